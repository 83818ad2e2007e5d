@testable import Ferry
import FerryTestSupport
import Foundation
import Testing

/// `DROP SCHEMA … CASCADE` on the target must not silently take objects of other schemas with it,
/// and must not wait forever for another session's locks.
@Suite struct DropGuardTests {
    static let sourceSchema = """
        CREATE SCHEMA app;
        CREATE TYPE app.mood AS ENUM ('ok', 'sad');
        CREATE TABLE app.t (id int PRIMARY KEY, v text);
        INSERT INTO app.t SELECT g, 'new ' || g FROM generate_series(1, 5) g;
        """

    /// A target holding an older `app` that other schemas build on.
    static let targetWithDependents = """
        CREATE SCHEMA app;
        CREATE TYPE app.mood AS ENUM ('ok');
        CREATE TABLE app.t (id int PRIMARY KEY, v text);
        CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
        INSERT INTO app.t VALUES (1, 'old');
        CREATE SCHEMA reports;
        CREATE VIEW reports.summary AS SELECT count(*) AS n FROM app.t;
        CREATE TABLE reports.orders (id int REFERENCES app.t, mood app.mood, doubled int DEFAULT app.f(2));
        CREATE FUNCTION reports.cheer(app.mood) RETURNS text LANGUAGE sql AS 'SELECT ''yes''';
        -- Inside the schema only: must not be reported.
        CREATE VIEW app.inner_view AS SELECT * FROM app.t;
        """

    @Test func dependentsOutsideTheSchemaStopTheRunUntilAllowed() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "guard_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "guard_tgt")
        try await source.execute(Self.sourceSchema)
        try await target.execute(Self.targetWithDependents)
        var request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["app"])

        let refused = await #expect(throws: FerryError.self) { try await Migration(request: request).run() }
        let message = refused?.message ?? ""
        for dependent in ["view reports.summary (uses table app.t)",
                          "constraint orders_id_fkey on table reports.orders (uses index app.t_pkey, table app.t)",
                          "column mood of table reports.orders (uses type app.mood)",
                          "default value for column doubled of table reports.orders (uses function app.f(integer))",
                          "function reports.cheer(app.mood) (uses type app.mood)"] {
            #expect(message.contains(dependent), "\(dependent) missing from: \(message)")
        }
        #expect(message.contains("would also drop 5 objects") && message.contains("--drop-dependents"))
        #expect(!message.contains("inner_view"))
        let untouched = try await target.query("""
            SELECT (SELECT v FROM app.t) AS v, to_regclass('reports.summary') IS NOT NULL AS view_kept
            """).rows[0]
        #expect(try untouched.string("v") == "old" && untouched.bool("view_kept"), "a refusal writes nothing")

        request.dropDependents = true
        try await Migration(request: request).run()
        let after = try await target.query("""
            SELECT (SELECT count(*) FROM app.t) AS rows, to_regclass('reports.summary') IS NULL AS view_dropped,
                   (SELECT count(*) FROM pg_attribute WHERE attrelid = 'reports.orders'::regclass AND attname = 'mood') AS mood_columns
            """).rows[0]
        #expect(try after.int("rows") == 5 && after.bool("view_dropped") && after.int("mood_columns") == 0)
    }

    @Test func aLongListIsCutAtTwentyWithTheCount() async throws {
        let target = try await TestDatabase.create(on: try await TestServers.target, "guard_many")
        try await target.execute("CREATE SCHEMA app; CREATE TABLE app.t (id int); CREATE SCHEMA other")
        for view in 1...25 { try await target.execute("CREATE VIEW other.v\(view) AS SELECT * FROM app.t") }
        let connection = try await PGConnection.connect(target.configuration)
        let guardrail = DropGuard(target: connection, schemas: ["app"],
                                  request: MigrationRequest(source: target.configuration, target: target.configuration, schemas: ["app"]))
        try await connection.execute("BEGIN")
        let refused = await #expect(throws: FerryError.self) { try await guardrail.dropSchemas() }
        try await connection.execute("ROLLBACK")
        await connection.close()
        let message = refused?.message ?? ""
        #expect(message.contains("would also drop 25 objects") && message.contains("; and 5 more"))
        #expect(message.components(separatedBy: "(uses table app.t)").count - 1 == 20)
    }

    @Test func aSessionHoldingALockIsNamedWhenTheDropTimesOut() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "guard_lock_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "guard_lock_tgt")
        try await source.execute(Self.sourceSchema)
        try await target.execute("CREATE SCHEMA app; CREATE TABLE app.t (id int)")
        var blockerConfiguration = target.configuration
        blockerConfiguration["application_name"] = "report runner"
        let blocker = try await PGConnection.connect(blockerConfiguration)
        let blockerPID = try await blocker.query("SELECT pg_backend_pid() AS pid").rows[0].int("pid")
        try await blocker.execute("BEGIN; SELECT count(*) FROM app.t")  // ACCESS SHARE until the transaction ends

        let request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["app"],
                                       dropLockTimeout: .milliseconds(300))
        let start = ContinuousClock.now
        let failed = await #expect(throws: FerryError.self) { try await Migration(request: request).run() }
        // The lock is never released: without the drop's lock timeout the run would wait for ever.
        // (Its catalog reads before the drop take seconds on a loaded 2-core machine.)
        #expect(ContinuousClock.now - start < .seconds(30))
        let message = failed?.message ?? ""
        #expect(message.contains("pid \(blockerPID) (application report runner, user postgres, idle in transaction"))
        #expect(message.contains("holds AccessShareLock") && message.contains("SELECT count(*) FROM app.t"))
        #expect(message.contains("rerun pgferry") && failed?.sqlState == "55P03")

        try await blocker.execute("COMMIT")
        await blocker.close()
        try await Migration(request: request).run()
        #expect(try await target.query("SELECT count(*) AS n FROM app.t").rows[0].int("n") == 5)
    }
}
