import FerryTestSupport
import Foundation
@testable import PGClient
import Testing

/// The replication connection against a real source (`wal_level = logical`): slot, exported
/// snapshot, pgoutput stream, standby status, and the ways a stream ends.
@Suite struct ReplicationConnectionTests {
    /// A database with `items (id int PRIMARY KEY, note text)` holding rows 1 and 2, and a
    /// publication `pub` for it.
    static func publishedDatabase(_ prefix: String) async throws -> TestDatabase {
        let database = try await TestDatabase.create(on: try await TestServers.source, prefix)
        let walLevel = try await database.query("SELECT current_setting('wal_level') AS level").rows[0].string("level")
        try #require(walLevel == "logical", "the test source must run with wal_level = logical (scripts/lib.sh starts it so)")
        try await database.execute("""
            CREATE TABLE items (id int PRIMARY KEY, note text);
            INSERT INTO items VALUES (1, 'one'), (2, 'two');
            CREATE PUBLICATION pub FOR TABLE items;
            """)
        return database
    }

    /// Runs `body` with a fresh slot name and drops the slot afterwards if `body` left it, however
    /// `body` ends: a slot left behind retains WAL and takes one of the server's few slots.
    static func withSlotName(_ database: TestDatabase, _ body: (String) async throws -> Void) async throws {
        let name = "pgferry_test_\(UInt32.random(in: 0...UInt32.max))"
        do {
            try await body(name)
        } catch {
            try? await dropSlot(database, name)
            throw error
        }
        try await dropSlot(database, name)
    }

    static let pgoutput: [(name: String, value: String)] = [("proto_version", "1"), ("publication_names", "\"pub\"")]

    @Test func aSlotExportsTheSnapshotItStartsFromAndStreamsWhatCommitsAfter() async throws {
        let database = try await Self.publishedDatabase("repl_stream")
        let replication = try await PGReplicationConnection.connect(database.configuration)
        try await Self.withSlotName(database) { slotName in try await replication.closing { replication in
            let system = try await replication.identifySystem()
            #expect(system.database == database.name)
            #expect(system.timeline >= 1)
            #expect(try await Self.bytes(database, system.walPosition) > 0)

            let slot = try await replication.createLogicalSlot(slotName)
            #expect(slot.name == slotName)
            #expect(slot.outputPlugin == "pgoutput")
            #expect(try await Self.bytes(database, slot.consistentPoint) >= Self.bytes(database, system.walPosition))
            let snapshot = try #require(slot.snapshotName)

            // A row committed after the slot: invisible in its snapshot, decoded from the slot.
            try await database.execute("INSERT INTO items VALUES (3, 'after the slot')")
            let reader = try await PGConnection.connect(database.configuration)
            try await reader.closing { reader in
                try await reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT "
                    + (try await reader.escapeLiteral(snapshot)))
                #expect(try await reader.query("SELECT count(*) AS n FROM items").rows[0].int("n") == 2)
                #expect(try await database.query("SELECT count(*) AS n FROM items").rows[0].int("n") == 3)
                try await reader.execute("COMMIT")
            }

            let stream = try await replication.startLogicalReplication(slot: slotName, from: 0, options: Self.pgoutput,
                                                                       stall: .seconds(30))
            var kinds: [Character] = []
            var commitEnd: UInt64?
            let deadline = ContinuousClock.now + .seconds(20)
            while commitEnd == nil, ContinuousClock.now < deadline {
                guard let message = try await stream.next(waitingAtMost: .seconds(1)), message.first == UInt8(ascii: "w") else {
                    continue
                }
                // XLogData: 'w', dataStart, walEnd, sendTime (24 bytes), then one pgoutput message.
                let kind = Character(UnicodeScalar(message[25]))
                kinds.append(kind)
                if kind == "C" { commitEnd = message.bigEndianUInt64(at: 26 + 1 + 8) }
                if kind == "I" { #expect(String(decoding: message, as: UTF8.self).contains("after the slot")) }
            }
            #expect(kinds == ["B", "R", "I", "C"])
            let flushed = try #require(commitEnd)
            #expect(flushed > (try await Self.bytes(database, slot.consistentPoint)))

            // The slot's confirmed position follows the flushed LSN of a standby status.
            try await stream.send(StandbyStatus.encode(flushed: flushed, replyRequested: true))
            var confirmed: UInt64 = 0
            for _ in 0..<100 where confirmed < flushed {
                _ = try await stream.next(waitingAtMost: .milliseconds(100))
                confirmed = try await Self.confirmedFlush(database, slotName)
            }
            #expect(confirmed == flushed)

            try await stream.end()
            try await replication.dropSlot(slotName)
            #expect(try await Self.slotExists(database, slotName) == false)
        } }
    }

    @Test func theExportedSnapshotLastsOnlyUntilTheNextReplicationCommand() async throws {
        let database = try await Self.publishedDatabase("repl_snapshot")
        let replication = try await PGReplicationConnection.connect(database.configuration)
        try await Self.withSlotName(database) { slotName in try await replication.closing { replication in
            let snapshot = try #require(try await replication.createLogicalSlot(slotName).snapshotName)
            _ = try await replication.identifySystem()
            let reader = try await PGConnection.connect(database.configuration)
            try await reader.closing { reader in
                await #expect {
                    try await reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT "
                        + (try await reader.escapeLiteral(snapshot)))
                } throws: { ($0 as? PGError)?.sqlState == "22023" }
            }
        } }
    }

    @Test func cancellingAWaitingReadReturnsWithinASecondAndTheSlotCanBeDropped() async throws {
        let database = try await Self.publishedDatabase("repl_cancel")
        let replication = try await PGReplicationConnection.connect(database.configuration)
        try await Self.withSlotName(database) { slotName in try await replication.closing { replication in
            _ = try await replication.createLogicalSlot(slotName, exportSnapshot: false)
            let stream = try await replication.startLogicalReplication(slot: slotName, options: Self.pgoutput)
            // Keepalives may come first: read on until the cancel.
            let reading = Task { while true { _ = try await stream.next(waitingAtMost: .seconds(60)) } }
            try await Task.sleep(for: .milliseconds(500))
            let start = ContinuousClock.now
            reading.cancel()
            await #expect { _ = try await reading.value } throws: { error in
                (error as? PGError).map { $0.isCancellation || $0.code == .cancelled } ?? (error is CancellationError)
            }
            // The cancel grace (1 s) bounds it; the rest is slack for a loaded machine.
            #expect(ContinuousClock.now - start < .seconds(2))
            // The server ended the stream on the cancel (or, when the task was cancelled between
            // two reads, `end` ends it): the connection takes commands again.
            try await stream.end()
            try await replication.dropSlot(slotName)
            #expect(try await Self.slotExists(database, slotName) == false)
        } }
    }

    @Test func aWalSenderTerminatedMidStreamIsAnErrorNotAHang() async throws {
        let database = try await Self.publishedDatabase("repl_gone")
        let replication = try await PGReplicationConnection.connect(database.configuration)
        try await Self.withSlotName(database) { slotName in try await replication.closing { replication in
            _ = try await replication.createLogicalSlot(slotName, exportSnapshot: false)
            let stream = try await replication.startLogicalReplication(slot: slotName, options: Self.pgoutput)
            _ = try await database.query("SELECT pg_terminate_backend(\(replication.backendPID)::int)")
            let start = ContinuousClock.now
            await #expect {
                for _ in 0..<50 { _ = try await stream.next(waitingAtMost: .milliseconds(200)) }
            } throws: { error in
                let failure = error as? PGError
                return failure?.code == .connection || failure?.sqlState == "57P01"
            }
            #expect(ContinuousClock.now - start < .seconds(5))
        } }
    }

    @Test func aServerThatFallsSilentFailsTheReadAtTheStallLimit() async throws {
        let database = try await Self.publishedDatabase("repl_stall")
        let proxy = try FaultProxy(upstreamPort: database.server.port)
        defer { proxy.close() }
        var configuration = database.configuration
        configuration["port"] = String(proxy.port)
        let replication = try await PGReplicationConnection.connect(configuration)
        try await Self.withSlotName(database) { slotName in try await replication.closing { replication in
            _ = try await replication.createLogicalSlot(slotName, exportSnapshot: false)
            let stream = try await replication.startLogicalReplication(slot: slotName, options: Self.pgoutput, stall: .seconds(1))
            proxy.freeze()
            let start = ContinuousClock.now
            // Reads that wake up empty count toward the one stall: the limit spans them.
            await #expect {
                for _ in 0..<50 { _ = try await stream.next(waitingAtMost: .milliseconds(300)) }
            } throws: { ($0 as? PGError)?.code == .stalled }
            #expect(ContinuousClock.now - start < .seconds(3))
            proxy.close()
        } }
    }

    @Test func slotNamesOutsideWhatTheServerAcceptsAreRefusedBeforeSending() async throws {
        let database = try await TestDatabase.create(on: try await TestServers.source, "repl_names")
        let replication = try await PGReplicationConnection.connect(database.configuration)
        try await replication.closing { replication in
            for name in ["", "Upper", "semi;colon", String(repeating: "a", count: 64)] {
                await #expect {
                    _ = try await replication.createLogicalSlot(name)
                } throws: { ($0 as? PGError)?.code == .invalidConfiguration && "\($0)".contains("lower-case letters") }
            }
            // The connection is untouched by a refused name.
            let system = try await replication.identifySystem()
            #expect(system.database == database.name)
        }
    }

    static func confirmedFlush(_ database: TestDatabase, _ slot: String) async throws -> UInt64 {
        UInt64(try await database.query("""
            SELECT (confirmed_flush_lsn - '0/0')::text AS n FROM pg_replication_slots WHERE slot_name = \(slot)
            """).rows[0].int64("n"))
    }

    /// An LSN as the server writes it (`X/Y`), as a number: read by the server itself.
    static func bytes(_ database: TestDatabase, _ lsn: String) async throws -> UInt64 {
        UInt64(try await database.query("SELECT (\(lsn)::pg_lsn - '0/0')::text AS n").rows[0].int64("n"))
    }

    static func slotExists(_ database: TestDatabase, _ slot: String) async throws -> Bool {
        try await database.query("SELECT count(*) AS n FROM pg_replication_slots WHERE slot_name = \(slot)").rows[0].int("n") == 1
    }

    /// Drops a slot, if it exists, once its WAL sender has let go of it.
    static func dropSlot(_ database: TestDatabase, _ slot: String) async throws {
        for _ in 0..<100 {
            let active = try await database.query("SELECT active FROM pg_replication_slots WHERE slot_name = \(slot)")
            guard let row = active.rows.first else { return }
            if try !row.bool("active") {
                _ = try await database.query("SELECT pg_drop_replication_slot(\(slot))")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("slot \(slot) stayed active")
    }
}

/// The text of replication commands: what the walsender's own grammar reads back exactly.
@Suite struct ReplicationCommandTests {
    @Test func lsnsReadAndWriteAsTheServerDoes() {
        #expect(ReplicationCommand.lsnText(0) == "0/0")
        #expect(ReplicationCommand.lsnText(0x16_B374_D848) == "16/B374D848")
    }

    @Test func identifiersAndLiteralsDoubleTheirQuote() {
        #expect(ReplicationCommand.identifier("publication_names") == "\"publication_names\"")
        #expect(ReplicationCommand.identifier("a\"b") == "\"a\"\"b\"")
        #expect(ReplicationCommand.literal("\"p\",\"it's\"") == "'\"p\",\"it''s\"'")
        #expect(ReplicationCommand.literal("back\\slash") == "'back\\slash'", "no E'' form: backslashes stay as they are")
    }
}

/// The standby status update (`r`) a client sends: written, flushed and applied LSN, the
/// client's clock in µs since 2000-01-01, and whether the server should answer at once.
enum StandbyStatus {
    static func encode(flushed: UInt64, replyRequested: Bool) -> [UInt8] {
        let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
        let now = UInt64(Date().timeIntervalSince(postgresEpoch) * 1_000_000)
        var bytes: [UInt8] = [UInt8(ascii: "r")]
        for value in [flushed, flushed, flushed, now] {
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(replyRequested ? 1 : 0)
        return bytes
    }
}

extension [UInt8] {
    func bigEndianUInt64(at offset: Int) -> UInt64 {
        self[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
