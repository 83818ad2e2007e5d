import Ferry
import FerryTestSupport
import Foundation
import Testing

/// The `pgferry` binary itself, as a user runs it (built by `swift build`, which `scripts/test.sh` runs first).
@Suite struct CommandLineTests {
    static let binary = TestServers.repositoryRoot.appendingPathComponent(".build/debug/pgferry").path

    static func url(_ database: TestDatabase) -> String {
        "postgresql://postgres@127.0.0.1:\(database.server.port)/\(database.name)"
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func migrateValidateAndPlan() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "cli_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "cli_tgt")
        try await source.loadFixture("queen", scale: 0.05)

        let migrate = try TestServers.execute(Self.binary, ["migrate", "--schema", "queen", "--jobs", "2", "--validate"],
                                              environment: ["PGFERRY_SOURCE_URL": Self.url(source),
                                                            "PGFERRY_TARGET_URL": Self.url(target)])
        #expect(migrate.status == 0, "\(migrate.output)")
        #expect(migrate.output.contains("complete: Migration complete"))
        #expect(migrate.output.contains("queen.messages"))
        #expect(migrate.output.contains("all tables match"))
        #expect(migrate.output.contains("pre-data") && migrate.output.contains("post-data"))

        let validate = try TestServers.execute(Self.binary, ["validate", "--source", Self.url(source), "--target",
                                                             Self.url(target), "--schema", "queen", "--json"])
        #expect(validate.status == 0)
        let report = try JSONDecoder().decode(ValidationReport.self, from: Data(validate.output.utf8))
        #expect(report.allMatch && report.tables.count == 20)

        let plan = try TestServers.execute(Self.binary, ["plan", "--source", Self.url(source), "--schema", "queen"])
        #expect(plan.status == 0)
        #expect(plan.output.contains("CREATE TABLE queen.messages"))
        #expect(plan.output.contains("CREATE TRIGGER trg_partitions_created_counter"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func failuresExitNonZeroWithOneLine() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "clif_src")
        let result = try TestServers.execute(Self.binary, [
            "migrate", "--source", Self.url(source), "--target", Self.url(source), "--schema", "nope",
        ])
        #expect(result.status == 1)
        let errorLines = result.output.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errorLines.count == 1)
        #expect(errorLines.first?.contains("schema \"nope\" not found") == true)

        let badFormat = try TestServers.execute(Self.binary, ["migrate", "--schema", "s", "--format", "zip"])
        #expect(badFormat.status != 0)
        #expect(badFormat.output.contains("auto") && badFormat.output.contains("binary"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func testConnectionPrintsTheServerVersion() async throws {
        let server = try await TestServers.source
        let result = try TestServers.execute(Self.binary, ["test-connection", "postgresql://postgres@127.0.0.1:\(server.port)/postgres"])
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("PostgreSQL "))
    }

    /// Ctrl-C and SIGTERM end a run within 2 s even when the target stopped answering, with
    /// 128 + the signal as the exit code and one error line.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)), arguments: [SIGINT, SIGTERM])
    func aSignalEndsAStalledRunWithinTwoSeconds(signal: Int32) async throws {
        let (source, target) = try await FaultTests.twoTables("clisig\(signal)")
        let proxy = try FaultProxy(upstreamPort: target.server.port)
        defer { proxy.close() }
        proxy.freeze(whenClientSends: "COPY ")
        let program = try RunningProgram(Self.binary, ["migrate", "--schema", "f"], environment: [
            "PGFERRY_SOURCE_URL": Self.url(source),
            "PGFERRY_TARGET_URL": "postgresql://postgres@127.0.0.1:\(proxy.port)/\(target.name)",
        ])
        #expect(try await proxy.waitUntilFrozen(timeout: .seconds(30)), "the run never reached its COPY")
        let signalledAt = ContinuousClock.now
        program.signal(signal)
        let status = try await program.wait(timeout: .seconds(10))
        let elapsed = ContinuousClock.now - signalledAt
        FaultTests.report("pgferry migrate, \(signal == SIGINT ? "SIGINT" : "SIGTERM") with the target frozen", elapsed)
        #expect(status == 128 + signal, "\(program.output)")
        #expect(elapsed < .seconds(2), "pgferry took \(elapsed) to stop")
        let errorLines = program.output.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errorLines.count == 1 && errorLines.first?.contains("cancelled") == true, "\(program.output)")
    }

    /// `kill -9` mid-copy: the servers end pgferry's sessions when its sockets close, and the next
    /// run starts clean.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func aKilledRunLeavesNothingTheNextRunDoesNotCleanUp() async throws {
        let (source, target) = try await FaultTests.twoTables("clikill")
        let proxy = try FaultProxy(upstreamPort: source.server.port, bytesPerSecond: FaultTests.throttle)
        defer { proxy.close() }
        let program = try RunningProgram(Self.binary, ["migrate", "--schema", "f"], environment: [
            "PGFERRY_SOURCE_URL": "postgresql://postgres@127.0.0.1:\(proxy.port)/\(source.name)",
            "PGFERRY_TARGET_URL": Self.url(target),
        ])
        #expect(try await FaultTests.copyBackend(target.server, database: target.name, table: "f.one") != nil)
        program.signal(SIGKILL)
        #expect(try await program.wait(timeout: .seconds(5)) == 128 + SIGKILL)
        try await FaultTests.expectCleanAndRerun(source: source, target: target)
    }
    /// `migrate --follow` streams until Ctrl-C, which cuts over: what the source committed while
    /// it followed is on the target, the run exits 0 and its JSON says the follow is done.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func followUntilInterruptCutsOver() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "clifollow_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "clifollow_tgt")
        try await source.execute("CREATE SCHEMA f; CREATE TABLE f.t (id serial PRIMARY KEY, v text); INSERT INTO f.t (v) VALUES ('copied')")
        let program = try RunningProgram(Self.binary, ["migrate", "--schema", "f", "--follow", "--json"], environment: [
            "PGFERRY_SOURCE_URL": Self.url(source), "PGFERRY_TARGET_URL": Self.url(target),
        ])
        defer { program.stop() }
        let streaming = try await Self.waitUntilStreaming(source, target, program)
        #expect(streaming, "\(program.output)")
        try await source.execute("SET synchronous_commit = on; INSERT INTO f.t (v) VALUES ('followed')")
        program.signal(SIGINT)
        #expect(try await program.wait(timeout: .seconds(30)) == 0, "\(program.output)")
        let progress = try JSONDecoder().decode(MigrationProgress.self, from: Data(program.output.utf8.drop { $0 != UInt8(ascii: "{") }))
        #expect(progress.follow?.state == .done)
        #expect(progress.follow?.transactionsApplied == 1)
        #expect(try await target.query("SELECT v FROM f.t ORDER BY id").rows.map { $0[0] } == ["copied", "followed"])
        #expect(try await target.query("SELECT last_value AS n FROM f.t_id_seq").rows[0].int("n") == 2)
        #expect(try await source.query("SELECT count(*) AS n FROM pg_replication_slots WHERE database = current_database()")
            .rows[0].int("n") == 0)
    }

    /// Waits until `condition` holds on `database` (a one-row `ok` boolean), for at most 60 s.
    static func waitUntil(_ database: TestDatabase, _ sql: PGQuery, _ program: RunningProgram? = nil) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await database.query(sql).rows[0].bool("ok") { return true }
            if program?.exitStatus != nil { return false }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Waits until a follow run streams: its slot is active (it is while being created, too) and
    /// the target has the run's replication origin (created just before streaming starts).
    static func waitUntilStreaming(_ source: TestDatabase, _ target: TestDatabase, _ program: RunningProgram) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline && program.exitStatus == nil {
            let slots = try await source.query("""
                SELECT slot_name::text AS name FROM pg_replication_slots
                WHERE database = current_database() AND active AND starts_with(slot_name::text, 'pgferry_')
                """).rows.map { try $0.string("name") }
            if let slot = slots.first,
               try await target.query("SELECT count(*) AS n FROM pg_replication_origin WHERE roname = \(slot)").rows[0].int("n") == 1 {
                return true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static let slotIdle: PGQuery = """
        SELECT count(*) = 1 AS ok FROM pg_replication_slots
        WHERE database = current_database() AND NOT active AND starts_with(slot_name::text, 'pgferry_')
        """

    /// `kill -9` while following keeps the slot; the same command resumes from the target's
    /// origin without copying again, and nothing is applied twice or skipped. `cleanup` drops
    /// what a killed run left.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func aKilledFollowResumesAndCleanupDropsLeftovers() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "cliresume_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "cliresume_tgt")
        try await source.execute("CREATE SCHEMA f; CREATE TABLE f.t (id serial PRIMARY KEY, v text); INSERT INTO f.t (v) VALUES ('copied')")
        let environment = ["PGFERRY_SOURCE_URL": Self.url(source), "PGFERRY_TARGET_URL": Self.url(target)]
        let first = try RunningProgram(Self.binary, ["migrate", "--schema", "f", "--follow"], environment: environment)
        defer { first.stop() }
        #expect(try await Self.waitUntilStreaming(source, target, first), "\(first.output)")
        try await source.execute("SET synchronous_commit = on; INSERT INTO f.t (v) VALUES ('before the kill')")
        #expect(try await Self.waitUntil(target, "SELECT count(*) = 2 AS ok FROM f.t"))
        let table = try await target.query("SELECT 'f.t'::regclass::oid::text AS oid").rows[0].string("oid")
        first.signal(SIGKILL)
        #expect(try await first.wait(timeout: .seconds(5)) == 128 + SIGKILL)
        #expect(try await Self.waitUntil(source, Self.slotIdle))
        try await source.execute("SET synchronous_commit = on; INSERT INTO f.t (v) VALUES ('after the kill')")

        let resumed = try TestServers.execute(Self.binary, ["migrate", "--schema", "f", "--follow", "--follow-until", "now"],
                                              environment: environment)
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(try await target.query("SELECT v FROM f.t ORDER BY id").rows.map { $0[0] }
            == ["copied", "before the kill", "after the kill"])
        #expect(try await target.query("SELECT 'f.t'::regclass::oid::text AS oid").rows[0].string("oid") == table)  // not copied again
        #expect(try await Self.waitUntil(source, "SELECT count(*) = 0 AS ok FROM pg_replication_slots WHERE database = current_database()"))

        let second = try RunningProgram(Self.binary, ["migrate", "--schema", "f", "--follow"], environment: environment)
        defer { second.stop() }
        #expect(try await Self.waitUntilStreaming(source, target, second), "\(second.output)")
        second.signal(SIGKILL)
        _ = try await second.wait(timeout: .seconds(5))
        #expect(try await Self.waitUntil(source, Self.slotIdle))
        let cleanup = try TestServers.execute(Self.binary, ["cleanup", "--source", Self.url(source), "--target", Self.url(target)])
        #expect(cleanup.status == 0, "\(cleanup.output)")
        #expect(cleanup.output.contains("dropped slot pgferry_") && cleanup.output.contains("of WAL"), "\(cleanup.output)")
        #expect(cleanup.output.contains("dropped publication pgferry_"), "\(cleanup.output)")
        #expect(cleanup.output.contains("dropped replication origin pgferry_"), "\(cleanup.output)")
        #expect(try await source.query("SELECT count(*) AS n FROM pg_replication_slots WHERE database = current_database()")
            .rows[0].int("n") == 0)
        #expect(try await source.query("SELECT count(*) AS n FROM pg_publication").rows[0].int("n") == 0)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func followUntilIsCheckedBeforeConnecting() throws {
        let alone = try TestServers.execute(Self.binary, ["migrate", "--schema", "f", "--target", "x", "--follow-until", "now"])
        #expect(alone.status != 0 && alone.output.contains("--follow-until needs --follow"), "\(alone.output)")
        let bad = try TestServers.execute(Self.binary, ["migrate", "--schema", "f", "--target", "x", "--follow", "--follow-until", "soon"])
        #expect(bad.status != 0 && bad.output.contains("--follow-until must be now or an LSN"), "\(bad.output)")
    }
}
