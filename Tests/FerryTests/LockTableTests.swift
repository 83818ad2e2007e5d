@testable import Ferry
import FerryCore
import FerryTestSupport
import Foundation
import Testing

/// A run whose snapshot or pre-data transaction would not fit in a server's lock table is refused
/// before anything is written, with the numbers and the setting to raise (issue 18), instead of
/// dying with "out of shared memory" halfway.
@Suite struct LockTableTests {
    /// max_locks_per_transaction 10 × (max_connections 30 + max_prepared_transactions 0) = 300 locks.
    static let smallLockTable = "-c max_locks_per_transaction=10 -c max_connections=30"

    /// `count` tables `app.t1…` of two rows each, created a few per transaction (one transaction
    /// creating them all would not fit in the small lock table either).
    /// With `readByAView`, a view reads them all, so pre-data creates them (instead of the data
    /// phase's groups).
    static func createTables(_ count: Int, in database: TestDatabase, readByAView: Bool = false) async throws {
        try await database.execute("CREATE SCHEMA app")
        for start in stride(from: 1, through: count, by: 20) {
            try await database.execute((start...min(count, start + 19)).map {
                "CREATE TABLE app.t\($0) (id int PRIMARY KEY, v text); INSERT INTO app.t\($0) VALUES (1, 'a'), (2, 'b');"
            }.joined(separator: "\n"))
        }
        if readByAView {
            try await database.execute("CREATE VIEW app.everything AS "
                + (1...count).map { "SELECT id FROM app.t\($0)" }.joined(separator: " UNION ALL "))
        }
    }

    static func tableCount(in database: TestDatabase) async throws -> Int {
        try await database.query("""
            SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'app' AND c.relkind = 'r'
            """).rows[0].int("n")
    }

    /// Runs `app` from `source` to `target`, expecting a refusal that says every one of `parts`
    /// and leaves the target without the schema.
    static func expectRefusal(from source: TestDatabase, to target: TestDatabase, mentioning parts: [String]) async throws {
        let request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["app"])
        let refused = await #expect(throws: FerryError.self) { try await Migration(request: request).run() }
        let message = refused?.message ?? ""
        for part in parts {
            #expect(message.contains(part), "\(part) missing from: \(message)")
        }
        let written = try await target.query("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'app') AS present")
        #expect(try !written.rows[0].bool("present"), "a refusal writes nothing")
    }

    @Test func aSourceWhoseLockTableCannotHoldTheSnapshotIsRefusedBeforeTheTargetIsTouched() async throws {
        let cluster = try ThrowawayCluster(serverOptions: Self.smallLockTable)
        defer { cluster.stop() }
        let source = try await TestDatabase.create(on: cluster.server, "locks_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "locks_tgt")
        try await Self.createTables(250, in: source)
        try await Self.expectRefusal(from: source, to: target, mentioning: [
            "source server's lock table is too small", "locks every table of the schema (250)",
            "max_locks_per_transaction (10) × (max_connections (30) + max_prepared_transactions (0)) = 300",
            "raise max_locks_per_transaction to at least 12 on the source",
        ])
    }

    @Test func aTargetWhoseLockTableCannotHoldThePreDataIsRefusedAndASmallSchemaFits() async throws {
        let cluster = try ThrowawayCluster(serverOptions: Self.smallLockTable)
        defer { cluster.stop() }
        let target = try await TestDatabase.create(on: cluster.server, "locks_tgt")
        let large = try await TestDatabase.create(on: try await TestServers.source, "locks_large")
        try await Self.createTables(60, in: large, readByAView: true)
        try await Self.expectRefusal(from: large, to: target, mentioning: [
            "target server's lock table is too small", "creates 60 tables", "= 300 locks",
            "raise max_locks_per_transaction to at least", "on the target",
        ])

        let small = try await TestDatabase.create(on: try await TestServers.source, "locks_small")
        try await Self.createTables(20, in: small, readByAView: true)
        try await Migration(request: MigrationRequest(source: small.configuration, target: target.configuration, schemas: ["app"])).run()
        #expect(try await Self.tableCount(in: target) == 20)
    }

    /// Tables nothing else needs are created by the data phase's groups (which shrink until every
    /// job's group fits in the lock table's budget), not in pre-data: 150 of them move into the
    /// lock table that refuses a pre-data transaction creating 60.
    @Test func tablesCreatedByTheirGroupsFitInASmallTargetLockTable() async throws {
        let cluster = try ThrowawayCluster(serverOptions: Self.smallLockTable)
        defer { cluster.stop() }
        let target = try await TestDatabase.create(on: cluster.server, "locks_groups_tgt")
        let source = try await TestDatabase.create(on: try await TestServers.source, "locks_groups")
        try await Self.createTables(150, in: source)
        let request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["app"], jobs: 2)
        let plan = try await Migration(request: request).plan()
        #expect(plan.ddl.tableCreation.count == 150 && !plan.ddl.preData.contains { $0.sql.hasPrefix("CREATE TABLE") },
                "no table is created in pre-data")
        try await Migration(request: request).run()
        #expect(try await Self.tableCount(in: target) == 150)
        let validation = try await Validator(source: source.configuration, target: target.configuration, schemas: ["app"]).validate()
        #expect(validation.allMatch && validation.tables.count == 150)
    }
}

@Suite struct LockTableBudgetTests {
    @Test func theRefusalNamesTheCapacityAndTheSettingThatMakesItFit() throws {
        let budget = LockTableBudget(maxLocksPerTransaction: 64, maxConnections: 100, maxPreparedTransactions: 0)
        #expect(budget.capacity == 6400)
        #expect(budget.refusal(locks: 6300, side: "source", what: "x") == nil)
        let message = try #require(budget.refusal(locks: 12000, side: "source", what: "x"))
        // (12000 + 100 headroom) / 100 connections, rounded up
        #expect(message.contains("= 6400 locks") && message.contains("at least 121 on the source"))
        #expect(LockTableBudget.targetPreDataLocks(droppedObjects: 10, createdTables: 300, otherRelations: 5) == 1225)
    }
}
