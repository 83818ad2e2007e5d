@testable import Ferry
import FerryTestSupport
import Foundation
import Testing

extension CommandLineTests {
    /// A wait that ran out, or whose program ended first: what never happened, and what pgferry printed.
    struct WaitFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Polls `sql` (one row, a boolean `ok`) on `database` until it holds. Fails naming `what`
    /// after `timeout`, or at once when `program` ended.
    static func wait(for what: String, _ database: TestDatabase, _ sql: PGQuery,
                     program: RunningProgram? = nil, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await database.query(sql).rows[0].bool("ok") { return }
            if let status = program?.exitStatus {
                throw WaitFailed(description: "pgferry exited (\(status)) before \(what): \(program?.output ?? "")")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WaitFailed(description: "\(what) did not happen within \(timeout); pgferry printed: \(program?.output ?? "")")
    }

    /// Waits until the run of `program` applied three more rounds of `writer`: the target holds
    /// a source commit past the source's WAL position after them (and the writer keeps writing).
    static func waitUntilApplied(_ writer: BackgroundWriter, run: Int, by program: RunningProgram, slot: String,
                                 source: TestDatabase, target: TestDatabase) async throws {
        try await writer.waitForRounds(3)
        let position = try await source.query("SELECT pg_current_wal_lsn()::text AS lsn").rows[0].string("lsn")
        try await wait(for: "run \(run) applying the source's commits past \(position)", target,
                       "SELECT coalesce(pg_replication_origin_progress(\(slot), true) > \(position)::pg_lsn, false) AS ok",
                       program: program)
    }

    /// The adversarial writer keeps writing through the copy and the follow while `pgferry
    /// migrate --follow` is SIGKILLed twice, each time after it applied something (the second
    /// time, if the machine allows, in the middle of a 25 001-row transaction), and restarted
    /// with the same arguments; then the writer stops and Ctrl-C cuts over, comparing checksums.
    /// Every table's rows (checksums) and the sequences equal the source's, and nothing is left
    /// behind.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func followKilledTwiceUnderAWriterCutsOverEqual() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "clikill2_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "clikill2_tgt")
        try await source.execute(FollowTests.schema)
        let environment = ["PGFERRY_SOURCE_URL": Self.url(source), "PGFERRY_TARGET_URL": Self.url(target)]
        // --checksums: the cutover itself compares every table's rows, and fails the run otherwise.
        let arguments = ["migrate", "--schema", "f", "--follow", "--checksums", "--jobs", "2", "--json"]
        let writer = BackgroundWriter(source)
        var programs = [try RunningProgram(Self.binary, arguments, environment: environment)]
        defer { programs.forEach { $0.stop() } }

        try #require(try await Self.waitUntilStreaming(source, target, programs[0]), "\(programs[0].output)")
        let slot = try #require(try await source.query("""
            SELECT slot_name::text AS name FROM pg_replication_slots
            WHERE database = current_database() AND starts_with(slot_name::text, 'pgferry_')
            """).rows.first).string("name")
        writer.truncateNextRound()  // the copy is over: no worker's lock waits behind it
        for run in 1...3 {
            let program = programs[run - 1]
            // Past a position taken after the previous run died: this run applied it.
            try await Self.waitUntilApplied(writer, run: run, by: program, slot: slot, source: source, target: target)
            guard run < 3 else { break }
            if run == 2 {
                // The second kill lands inside a large transaction's apply when it can: its rows
                // go to the target as they arrive, in one open transaction the kill rolls back.
                writer.bulkNextRound()
                try await writer.waitForRounds(1)
                let position = try await source.query("SELECT pg_current_wal_lsn()::text AS lsn").rows[0].string("lsn")
                try await Self.wait(for: "run 2 applying the bulk transactions", target, """
                    SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
                                   AND application_name = 'pgferry' AND backend_xid IS NOT NULL)
                        OR coalesce(pg_replication_origin_progress(\(slot), true) > \(position)::pg_lsn, false) AS ok
                    """, program: program)
            }
            program.signal(SIGKILL)
            #expect(try await program.wait(timeout: .seconds(10)) == 128 + SIGKILL)
            try await Self.wait(for: "the slot to be released after kill \(run)", source, Self.slotIdle)
            writer.truncateNextRound()  // waits in the slot with the rest until the next run
            programs.append(try RunningProgram(Self.binary, arguments, environment: environment))
        }
        let last = programs[2]
        let rounds = try await writer.stop()
        last.signal(SIGINT)
        #expect(try await last.wait(timeout: .seconds(120)) == 0, "\(last.output)")
        let progress = try JSONDecoder().decode(MigrationProgress.self, from: Data(last.output.utf8.drop { $0 != UInt8(ascii: "{") }))
        #expect(progress.status == .complete)
        #expect(progress.follow?.state == .done)
        #expect(progress.follow?.slot == slot)
        #expect(progress.follow?.retainedBytes == 0)  // the slot is gone
        #expect(progress.tables.isEmpty, "the resumed run copied again")
        #expect(rounds >= 9, "the writer wrote \(rounds) rounds")

        try await FollowTests.expectEqualAndNothingLeftBehind(source: source, target: target, slot: slot)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func checksumsNeedValidateOrFollow() throws {
        let alone = try TestServers.execute(Self.binary, ["migrate", "--schema", "f", "--target", "x", "--checksums"])
        #expect(alone.status != 0 && alone.output.contains("--checksums needs --validate"), "\(alone.output)")
    }
}
