import Ferry
import FerryTestSupport
import Foundation
import Testing

/// Every failure ends in a clear error, and the next run cleans up after it.
@Suite struct FailureTests {
    @Test func aMissingSchemaIsNamedWithTheExistingOnes() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "miss_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "miss_tgt")
        try await source.execute("CREATE SCHEMA present")
        await #expect {
            try await Migration(request: MigrationRequest(
                source: source.configuration, target: target.configuration, schemas: ["absent"])).run()
        } throws: { error in
            "\(error)".contains("\"absent\" not found") && "\(error)".contains("present")
        }
    }

    @Test func theSourceDatabaseIsRefusedAsTarget() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "same")
        try await source.loadFixture("queen", scale: 0.01)
        var alias = source.configuration
        alias["host"] = "localhost"
        await #expect {
            try await Migration(request: MigrationRequest(source: source.configuration, target: alias, schemas: ["queen"])).run()
        } throws: { error in
            "\(error)".contains("the target is the source database")
        }
        #expect(try await source.query("SELECT count(*) AS n FROM queen.queues").rows[0].int("n") > 0)
    }

    @Test func aWrongTargetPasswordFailsWithoutShowingIt() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "pw_src")
        try await source.loadFixture("queen", scale: 0.01)
        let targetServer = try await TestServers.target
        let admin = try await PGConnection.connect(targetServer.configuration())
        _ = try? await admin.execute("CREATE ROLE pgferry_password_user LOGIN PASSWORD 'the-right-one'")
        await admin.close()
        var target = targetServer.configuration(user: "pgferry_password_user")
        target["password"] = "Wr0ng-P4ssw0rd"
        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target, schemas: ["queen"]))
        await #expect {
            try await migration.run()
        } throws: { error in
            "\(error)".contains("password authentication failed") && !"\(error)".contains("Wr0ng-P4ssw0rd")
        }
        #expect(migration.progress.error?.contains("Wr0ng-P4ssw0rd") == false)
    }

    @Test func anUnreachableTargetFailsWithinTheConnectTimeout() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "unreach_src")
        try await source.loadFixture("queen", scale: 0.01)
        let listener = try TCPListener()
        let target = ConnectionConfiguration([.init("host", "127.0.0.1"), .init("port", String(listener.port)),
                                              .init("dbname", "x"), .init("user", "x"), .init("connect_timeout", "2")])
        let start = ContinuousClock.now
        await #expect(throws: (any Error).self) {
            try await Migration(request: MigrationRequest(source: source.configuration, target: target, schemas: ["queen"])).run()
        }
        #expect(ContinuousClock.now - start < .seconds(15))
        withExtendedLifetime(listener) {}
    }

    @Test func aTargetBackendKilledMidCopyFailsTheRunAndTheRerunSucceeds() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "kill_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "kill_tgt")
        try await source.execute("""
            CREATE SCHEMA big;
            CREATE TABLE big.rows (id int PRIMARY KEY, payload text);
            INSERT INTO big.rows SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 400000) g;
            """)
        let request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["big"],
                                       jobs: 1, ringCapacity: 64 * 1024)
        let migration = Migration(request: request)
        let run = Task { try await migration.run() }
        let admin = try await PGConnection.connect(try await TestServers.target.configuration())
        var killed = false
        for _ in 0..<500 where !killed {
            let result = try await admin.query("""
                SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
                WHERE datname = \(target.name) AND query LIKE 'COPY big.rows%' AND state = 'active'
                """)
            killed = !result.rows.isEmpty
            if !killed { try await Task.sleep(for: .milliseconds(5)) }
        }
        await admin.close()
        #expect(killed, "the COPY was never seen running")
        let outcome = await run.result
        guard case .failure(let error) = outcome else {
            Issue.record("the run must fail when the target backend dies")
            return
        }
        #expect("\(error)".contains("big.rows"))
        #expect("\(error)".contains("target"))
        #expect(migration.progress.status == .error)

        try await Migration(request: request).run()
        let validation = try await Validator(source: source.configuration, target: target.configuration,
                                             schemas: ["big"]).validate()
        #expect(validation.allMatch)
        #expect(validation.tables.first?.targetCount == 400000)
    }

    /// Small tables load in groups, without TRUNCATE: a table that fails in the middle of its
    /// group takes the tables copied before it in that transaction with it (and, as nothing in
    /// pre-data needs them, the tables themselves: the group created them).
    @Test func aFailedGroupOfSmallTablesLeavesThemAllEmpty() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "group_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "group_tgt")
        // The CHECK holds on the source only, so the smallest table (copied last, largest first)
        // fails on the target.
        try await source.execute("""
            CREATE SCHEMA g;
            CREATE FUNCTION g.on_source() RETURNS boolean LANGUAGE sql AS $$ SELECT current_database() = '\(source.name)' $$;
            CREATE TABLE g.first (id int PRIMARY KEY, payload text);
            CREATE TABLE g.second (id int PRIMARY KEY, payload text);
            CREATE TABLE g.last (id int PRIMARY KEY CHECK (g.on_source()));
            INSERT INTO g.first SELECT g, repeat('x', 100) FROM generate_series(1, 300) g;
            INSERT INTO g.second SELECT g, repeat('x', 100) FROM generate_series(1, 200) g;
            INSERT INTO g.last VALUES (1);
            """)
        await #expect {
            try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                          schemas: ["g"], jobs: 1)).run()
        } throws: { error in
            "\(error)".contains("g.last") && "\(error)".contains("check constraint")
        }
        let rows = try await target.query("""
            SELECT count(*) AS n FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'g' AND c.relkind = 'r'
            """)
        #expect(try rows.rows[0].int("n") == 0, "no table of the group outlives its failure, copied rows or not")
    }

    @Test func cancelEndsTheRunInError() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "cancel_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "cancel_tgt")
        try await source.execute("""
            CREATE SCHEMA big; CREATE TABLE big.rows (id int, payload text);
            INSERT INTO big.rows SELECT g, repeat('y', 500) FROM generate_series(1, 300000) g;
            """)
        let controller = MigrationController()
        try controller.start(MigrationRequest(source: source.configuration, target: target.configuration,
                                              schemas: ["big"], jobs: 1, ringCapacity: 64 * 1024))
        #expect(throws: RunLifecycle.Refusal.alreadyRunning) {
            try controller.start(MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["big"]))
        }
        #expect(throws: RunLifecycle.Refusal.resetWhileRunning) { try controller.reset() }
        for _ in 0..<200 where controller.status.totalRows == 0 { try await Task.sleep(for: .milliseconds(5)) }
        controller.cancel()
        let final = await controller.waitUntilFinished()
        #expect(final.status == .error)
        #expect(final.error?.contains("cancel") == true)
        try controller.reset()
        #expect(controller.status.status == .idle)
    }

    @Test(arguments: [0, 5, 200])
    func aCancelWhileTheSnapshotWaitsForALockEndsTheRun(delayMilliseconds: Int) async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "lock_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "lock_tgt")
        try await source.execute("CREATE SCHEMA locked; CREATE TABLE locked.t (id int)")
        let holder = try await PGConnection.connect(source.configuration)
        try await holder.execute("BEGIN; LOCK TABLE locked.t IN ACCESS EXCLUSIVE MODE")
        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                            schemas: ["locked"]))
        let start = ContinuousClock.now
        let run = Task { try await migration.run() }
        try await Task.sleep(for: .milliseconds(delayMilliseconds))
        migration.cancel()
        let outcome = await run.result
        #expect(ContinuousClock.now - start < .seconds(10))
        guard case .failure(let error) = outcome else {
            Issue.record("a cancelled run must fail")
            return
        }
        #expect("\(error)".contains("cancelled"))
        await holder.close()
    }
}
