import Ferry
import FerryTestSupport
import Foundation
import Testing

/// Faults injected into real servers during a run: killed, stopped and restarted backends, a
/// network that stops delivering (a freezing proxy), cancel in every phase. After each: the run
/// ended in time, no session of pgferry is left on either server, and a rerun is exact.
@Suite(.serialized) struct FaultTests {
    /// Two tables of ~20 MB each with a foreign key between them; through a proxy at `throttle`
    /// a copy lasts seconds, long enough to hit it.
    static func twoTables(_ prefix: String) async throws -> (source: TestDatabase, target: TestDatabase) {
        let source = try await TestDatabase.create(on: try await TestServers.source, "\(prefix)_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "\(prefix)_tgt")
        try await source.execute("""
            CREATE SCHEMA f;
            CREATE TABLE f.one (id int PRIMARY KEY, payload text);
            CREATE TABLE f.two (id int PRIMARY KEY, one_id int REFERENCES f.one, payload text);
            INSERT INTO f.one SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, \(rows)) g;
            INSERT INTO f.two SELECT g, g, repeat(md5(g::text), 3) FROM generate_series(1, \(rows)) g;
            """)
        return (source, target)
    }

    static let rows = 200_000

    /// Awaits a run that a fault must end: prints how long it took since `start`, expects that
    /// within `limit`, and returns the run's error (nil, with an issue recorded, if it succeeded).
    static func failure(of run: Task<MigrationReport, any Error>, since start: ContinuousClock.Instant,
                        within limit: Duration, _ fault: String,
                        sourceLocation: SourceLocation = #_sourceLocation) async -> (any Error)? {
        let outcome = await run.result
        let elapsed = ContinuousClock.now - start
        report(fault, elapsed)
        #expect(elapsed < limit, "\(fault): the run took \(elapsed) to end", sourceLocation: sourceLocation)
        guard case .failure(let error) = outcome else {
            Issue.record("\(fault): the run must fail", sourceLocation: sourceLocation)
            return nil
        }
        return error
    }

    /// Prints a measured time to fail, for docs/reliability.md (`fault-timing:` lines in CI's log).
    static func report(_ fault: String, _ elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("fault-timing: \(fault): \(String(format: "%.2f", seconds)) s")
    }
    /// Bytes per second through a throttling proxy. Not much slower: data a killed or stopped
    /// server still has in its socket buffers (megabytes) reaches pgferry at this rate, which
    /// would add seconds that a real network does not.
    static let throttle = 8 << 20

    static func request(source: ConnectionConfiguration, target: ConnectionConfiguration,
                        stallTimeout: Duration? = MigrationRequest.defaultStallTimeout) -> MigrationRequest {
        MigrationRequest(source: source, target: target, schemas: ["f"], jobs: 2, ringCapacity: 64 * 1024,
                         stallTimeout: stallTimeout)
    }

    /// `configuration` reached through `proxy`.
    static func via(_ proxy: FaultProxy, _ configuration: ConnectionConfiguration) -> ConnectionConfiguration {
        var proxied = configuration
        proxied["port"] = String(proxy.port)
        return proxied
    }

    /// Waits until `query` (run as the superuser on `server`) returns a row; returns its first value.
    static func waitForRow(_ server: TestServers.Server, _ query: PGQuery,
                           timeout: Duration = .seconds(20)) async throws -> String? {
        let admin = try await PGConnection.connect(server.configuration())
        return try await admin.closing { admin in
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let row = try await admin.query(query).rows.first { return row[0] }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
    }

    /// The backend running a COPY of `table` on `database`.
    static func copyBackend(_ server: TestServers.Server, database: String, table: String) async throws -> String? {
        try await waitForRow(server, """
            SELECT pid::text FROM pg_stat_activity
            WHERE datname = \(database) AND state = 'active' AND query LIKE 'COPY %' AND query LIKE '%' || \(table) || '%'
            """)
    }

    /// After a failed run: no session of pgferry left on either database (given the servers up to
    /// 30 s to notice closed sockets: under the whole suite on 2 cores 10 s was once too short for
    /// a source backend behind the throttling proxy), and a rerun copies everything exactly.
    static func expectCleanAndRerun(source: TestDatabase, target: TestDatabase,
                                    sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for database in [source, target] {
            let left = try await waitForRow(database.server, """
                SELECT 'clean' WHERE NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = \(database.name) AND application_name = 'pgferry')
                """, timeout: .seconds(30))
            #expect(left == "clean", "pgferry sessions are left on \(database.name)", sourceLocation: sourceLocation)
            let sessions = try await database.query(
                """
                SELECT count(*) AS n FROM pg_stat_activity
                WHERE datname = \(database.name) AND application_name = 'pgferry' AND pid <> pg_backend_pid()
                """)
            #expect(try sessions.rows[0].int("n") == 0, "pgferry sessions are left on \(database.name)",
                    sourceLocation: sourceLocation)
        }
        try await Migration(request: request(source: source.configuration, target: target.configuration)).run()
        let report = try await Validator(source: source.configuration, target: target.configuration, schemas: ["f"],
                                         checksums: true).validate()
        #expect(report.allMatch, "the rerun must copy every row exactly", sourceLocation: sourceLocation)
        #expect(report.tables.map(\.targetCount) == [Int64(rows), Int64(rows)], sourceLocation: sourceLocation)
    }

    @Test(arguments: ["source", "target"])
    func killingOneBackendOfTwoConcurrentCopiesFailsTheRunWithinTwoSeconds(side: String) async throws {
        let (source, target) = try await Self.twoTables("kill2_\(side)")
        let proxy = try FaultProxy(upstreamPort: source.server.port, bytesPerSecond: Self.throttle)
        let migration = Migration(request: Self.request(source: Self.via(proxy, source.configuration),
                                                        target: target.configuration))
        let run = Task { try await migration.run() }
        let database = side == "source" ? source : target
        let pid = try await Self.copyBackend(database.server, database: database.name, table: "f.one")
        let other = try await Self.copyBackend(database.server, database: database.name, table: "f.two")
        #expect(pid != nil && other != nil, "both copies must be seen running at once")
        let killedAt = ContinuousClock.now
        _ = try await database.query("SELECT pg_terminate_backend(\(pid)::int)")
        guard let error = await Self.failure(of: run, since: killedAt, within: .seconds(2),
                                             "\(side) backend killed during one of two copies") else { return }
        #expect("\(error)".contains("f.one"))
        #expect(migration.progress.status == .error)
        proxy.close()
        try await Self.expectCleanAndRerun(source: source, target: target)
    }

    @Test func aStoppedTargetBackendFailsTheCopyWithinTheStallTimeout() async throws {
        let (source, target) = try await Self.twoTables("sigstop")
        let proxy = try FaultProxy(upstreamPort: source.server.port, bytesPerSecond: Self.throttle)
        let migration = Migration(request: Self.request(source: Self.via(proxy, source.configuration),
                                                        target: target.configuration, stallTimeout: .seconds(2)))
        let run = Task { try await migration.run() }
        let pid = try #require(try await Self.copyBackend(target.server, database: target.name, table: "f.one"))
        let stoppedAt = ContinuousClock.now
        kill(pid_t(pid)!, SIGSTOP)
        let error = await Self.failure(of: run, since: stoppedAt, within: .seconds(5),
                                       "target backend SIGSTOPped during COPY (stall timeout 2 s)")
        kill(pid_t(pid)!, SIGCONT)
        guard let error else { return }
        #expect("\(error)".contains("nothing for 2 s") || "\(error)".contains("cancelled"), "\(error)")
        proxy.close()
        try await Self.expectCleanAndRerun(source: source, target: target)
    }

    @Test func aStoppedTargetServerFailsTheConnectWithinConnectTimeout() async throws {
        let cluster = try ThrowawayCluster()
        defer { cluster.stop() }
        let source = try await TestDatabase.create(on: try await TestServers.source, "connstop_src")
        try await source.execute("CREATE SCHEMA f; CREATE TABLE f.t (id int)")
        var target = cluster.server.configuration()
        target["connect_timeout"] = "2"
        let postmaster = try cluster.postmasterPID()
        kill(postmaster, SIGSTOP)
        defer { kill(postmaster, SIGCONT) }
        let start = ContinuousClock.now
        await #expect {
            try await Migration(request: MigrationRequest(source: source.configuration, target: target, schemas: ["f"])).run()
        } throws: { error in
            "\(error)".contains("timeout expired after 2 s")
        }
        Self.report("target postmaster SIGSTOPped during connect (connect_timeout 2 s)", ContinuousClock.now - start)
        #expect(ContinuousClock.now - start < .seconds(4))
    }

    @Test func aTargetRestartMidCopyFailsTheRunAndTheRerunSucceeds() async throws {
        let cluster = try ThrowawayCluster()
        defer { cluster.stop() }
        let source = try await TestDatabase.create(on: try await TestServers.source, "restart_src")
        try await source.execute("""
            CREATE SCHEMA f; CREATE TABLE f.one (id int PRIMARY KEY, payload text);
            INSERT INTO f.one SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, \(Self.rows)) g;
            """)
        let target = try await TestDatabase.create(on: cluster.server, "restart_tgt")
        let proxy = try FaultProxy(upstreamPort: source.server.port, bytesPerSecond: Self.throttle)
        defer { proxy.close() }
        let migration = Migration(request: Self.request(source: Self.via(proxy, source.configuration),
                                                        target: target.configuration))
        let run = Task { try await migration.run() }
        #expect(try await Self.copyBackend(target.server, database: target.name, table: "f.one") != nil)
        let restartedAt = ContinuousClock.now
        try cluster.restart()
        let outcome = await run.result
        Self.report("target restarted during COPY", ContinuousClock.now - restartedAt)
        #expect(ContinuousClock.now - restartedAt < .seconds(5))
        guard case .failure(let error) = outcome else {
            Issue.record("the run must fail when the target restarts")
            return
        }
        #expect("\(error)".contains("f.one"), "\(error)")
        try await Migration(request: Self.request(source: source.configuration, target: target.configuration)).run()
        let report = try await Validator(source: source.configuration, target: target.configuration, schemas: ["f"],
                                         checksums: true).validate()
        #expect(report.allMatch)
    }

    /// Where the network stops: the statement the proxy freezes before, on which side, or nil to
    /// freeze mid-COPY.
    enum Stall: String, CaseIterable, CustomTestStringConvertible {
        case snapshot, preData, data, postData

        var testDescription: String { rawValue }
        var side: String { self == .snapshot ? "source" : "target" }
        var trigger: String? {
            switch self {
            case .snapshot: "pg_export_snapshot"
            case .preData: "DROP SCHEMA"
            case .data: nil
            case .postData: "FOREIGN KEY"
            }
        }
    }

    @Test(arguments: Stall.allCases)
    func cancelWithTheNetworkStalledEndsTheRunWithinTwoSeconds(stall: Stall) async throws {
        let (source, target) = try await Self.twoTables("stall_\(stall.rawValue)")
        let sourceProxy = try FaultProxy(upstreamPort: source.server.port, bytesPerSecond: stall == .data ? Self.throttle : nil)
        let targetProxy = try FaultProxy(upstreamPort: target.server.port)
        let proxy = stall.side == "source" ? sourceProxy : targetProxy
        if let trigger = stall.trigger { proxy.freeze(whenClientSends: trigger) }
        let migration = Migration(request: Self.request(source: Self.via(sourceProxy, source.configuration),
                                                        target: Self.via(targetProxy, target.configuration),
                                                        stallTimeout: nil))
        let run = Task { try await migration.run() }
        if stall == .data {
            for _ in 0..<1000 where migration.progress.totalRows == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(migration.progress.totalRows > 0, "the copy never started")
            proxy.freeze()
        }
        #expect(try await proxy.waitUntilFrozen(timeout: .seconds(20)), "the run never reached the \(stall) stall")
        try await Task.sleep(for: .milliseconds(300))
        let cancelledAt = ContinuousClock.now
        migration.cancel()
        guard let error = await Self.failure(of: run, since: cancelledAt, within: .seconds(2),
                                             "cancel with the network frozen in \(stall)") else { return }
        #expect("\(error)".contains("cancelled"), "\(error)")
        #expect(migration.progress.status == .error)
        // The network comes back: the servers see pgferry's closed sockets and end those sessions.
        sourceProxy.thaw()
        targetProxy.thaw()
        try await Self.expectCleanAndRerun(source: source, target: target)
        sourceProxy.close()
        targetProxy.close()
    }

    @Test func aTargetErrorInsideACopyEndsItAtOnceNotAtTheEndOfTheTable() async throws {
        // The CHECK reads a setting that only the target database has: row 100 fails there.
        let source = try await TestDatabase.create(on: try await TestServers.source, "checkerr_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "checkerr_tgt")
        try await source.execute("""
            CREATE SCHEMA f;
            CREATE TABLE f.one (id int CHECK (id <> coalesce(current_setting('pgferry.bad', true), '-1')::int), payload text);
            INSERT INTO f.one SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, \(Self.rows)) g;
            """)
        try await target.execute("ALTER DATABASE \(target.name) SET pgferry.bad = '100'")
        // Streaming the whole table through the proxy takes seconds; the error is in its first chunk.
        let proxy = try FaultProxy(upstreamPort: source.server.port, bytesPerSecond: Self.throttle)
        defer { proxy.close() }
        let migration = Migration(request: MigrationRequest(
            source: Self.via(proxy, source.configuration), target: target.configuration, schemas: ["f"], jobs: 1,
            ringCapacity: 64 * 1024))
        let run = Task { try await migration.run() }
        for _ in 0..<2000 where !migration.progress.tables.contains(where: { $0.state == .copying }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        let dataStartedAt = ContinuousClock.now
        let outcome = await run.result
        let elapsed = ContinuousClock.now - dataStartedAt
        Self.report("target CHECK violation in the first chunk of a ~20 MB COPY", elapsed)
        guard case .failure(let error) = outcome else {
            Issue.record("the load must fail on the CHECK")
            return
        }
        #expect("\(error)".contains("violates check constraint"), "\(error)")
        #expect(elapsed < .seconds(1), "the target's error took \(elapsed) to end the COPY")
        #expect(migration.progress.totalRows < Int64(Self.rows / 2), "the table was streamed on after the error")
    }

    @Test func aConcurrentAlterTableOnATableNotYetCopiedIsNamedInTheError() async throws {
        let (source, target) = try await Self.twoTables("ddl")
        let proxy = try FaultProxy(upstreamPort: source.server.port, bytesPerSecond: Self.throttle)
        defer { proxy.close() }
        let migration = Migration(request: MigrationRequest(source: Self.via(proxy, source.configuration),
                                                            target: target.configuration, schemas: ["f"], jobs: 1))
        let run = Task { try await migration.run() }
        let copying = try #require(try await Self.waitForRow(source.server, """
            SELECT CASE WHEN query LIKE '%f.one%' THEN 'f.two' ELSE 'f.one' END FROM pg_stat_activity
            WHERE datname = \(source.name) AND state = 'active' AND query LIKE 'COPY %'
            """))
        // The ALTER waits behind the snapshot's lock; the worker's LOCK … NOWAIT then fails on it.
        let alter = try await PGConnection.connect(source.configuration)
        let altering = Task { try await alter.execute("ALTER TABLE \(copying) ADD COLUMN late int") }
        let pid = alter.backendPID
        let outcome = await run.result
        guard case .failure(let error) = outcome else {
            Issue.record("the run must fail on the lock conflict")
            return
        }
        #expect("\(error)".contains("table \(copying) is locked by"), "\(error)")
        #expect("\(error)".contains("\(pid)"), "\(error)")
        #expect("\(error)".contains("rerun"), "\(error)")
        _ = await altering.result  // goes through once the snapshot is released
        await alter.close()
    }

    /// A full disk on the target mid-COPY (a tablespace on an 8 MB tmpfs; needs root to mount).
    @Test(.enabled(if: getuid() == 0)) func aFullTargetDiskEndsTheCopyAtOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgferry-tiny-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try TestServers.run("/bin/mount", ["-t", "tmpfs", "-o", "size=8M", "tmpfs", folder])
        defer {
            _ = try? TestServers.run("/bin/umount", ["-l", folder])
            try? FileManager.default.removeItem(atPath: folder)
        }
        try TestServers.run("/bin/chown", ["postgres", folder])
        let targetServer = try await TestServers.target
        let tablespace = "pgferry_tiny_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try await PGConnection.connect(targetServer.configuration())
        try await admin.execute("CREATE TABLESPACE \(tablespace) LOCATION '\(folder)'")
        let targetName = "pgferry_diskfull_\(UInt32.random(in: 0...UInt32.max))"
        try await admin.execute("CREATE DATABASE \(targetName) TABLESPACE \(tablespace)")
        let target = TestDatabase(server: targetServer, name: targetName)
        let source = try await TestDatabase.create(on: try await TestServers.source, "diskfull_src")
        try await source.execute("""
            CREATE SCHEMA f; CREATE TABLE f.one (id int, payload text);
            INSERT INTO f.one SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, \(Self.rows)) g;
            """)
        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                            schemas: ["f"], jobs: 1))
        let start = ContinuousClock.now
        await #expect {
            try await migration.run()
        } throws: { error in
            "\(error)".contains("No space left on device")
        }
        Self.report("target disk full during COPY (from the run's start)", ContinuousClock.now - start)
        #expect(migration.progress.totalRows < Int64(Self.rows), "the whole table was streamed after the disk filled")
        try await admin.execute("DROP DATABASE \(targetName)")
        try await admin.execute("DROP TABLESPACE \(tablespace)")
        await admin.close()
    }
}
