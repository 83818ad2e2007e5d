import FerryCore
import FerryTestSupport
import PGClient
import Testing

/// Batched updates and deletes (ApplyPlanner+KeyedRuns) against real servers, as
/// ApplyReplayTests replays single statements: changes decoded from a logical slot and applied
/// with `ApplyPlanner.statements(for:)` leave the target equal to the source, every batched
/// statement touching as many rows as it has changes; a row missing on the target is caught.
@Suite struct KeyedRunReplayTests {
    static let schema = """
        CREATE SCHEMA k;
        CREATE TABLE k.items (id int PRIMARY KEY, v int, note text, doc text);
        ALTER TABLE k.items ALTER COLUMN doc SET STORAGE EXTERNAL;
        CREATE TABLE k.pairs (a int, b text, c int, PRIMARY KEY (a, b));
        CREATE TABLE k.byindex (id int NOT NULL, v int);
        CREATE UNIQUE INDEX byindex_id ON k.byindex (id);
        ALTER TABLE k.byindex REPLICA IDENTITY USING INDEX byindex_id;
        CREATE TABLE k.measure (at date, id int, v int, PRIMARY KEY (at, id)) PARTITION BY RANGE (at);
        CREATE TABLE k.measure_a PARTITION OF k.measure FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE k.measure_b PARTITION OF k.measure FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        """

    /// Ids up to 150 carry a TOASTed `doc` that updates leave alone (sent as unchanged TOAST).
    static let initialData = """
        INSERT INTO k.items SELECT i, i, NULL, CASE WHEN i <= 150 THEN repeat(md5(i::text), 200) END
          FROM generate_series(1, 300) i;
        INSERT INTO k.pairs SELECT i, 'b' || i, i FROM generate_series(1, 200) i;
        INSERT INTO k.byindex SELECT i, i FROM generate_series(1, 150) i;
        INSERT INTO k.measure SELECT date '2025-06-01' + (i % 400), i, i FROM generate_series(1, 220) i;
        """

    static let workload = [
        "UPDATE k.items SET v = v + 1",  // two shapes: doc unchanged TOAST, then doc NULL
        // The same rows twice in one transaction: the second values must win.
        "BEGIN; UPDATE k.items SET v = v + 10 WHERE id <= 120; UPDATE k.items SET v = v * 2, note = 'twice' WHERE id <= 120; COMMIT",
        // A key change in the middle of a run.
        """
        BEGIN; UPDATE k.items SET note = 'a' WHERE id <= 150; UPDATE k.items SET id = id + 1000 WHERE id = 250;
        UPDATE k.items SET note = 'b' WHERE id > 100; COMMIT
        """,
        "BEGIN; UPDATE k.pairs SET c = c + 1; DELETE FROM k.pairs WHERE a <= 150; COMMIT",
        "BEGIN; UPDATE k.byindex SET v = -v; DELETE FROM k.byindex WHERE id > 20; COMMIT",
        "BEGIN; UPDATE k.measure SET v = v + 1; DELETE FROM k.measure WHERE id % 2 = 0; COMMIT",
        "DELETE FROM k.items WHERE id > 100",
    ]

    static let tables = ["items", "pairs", "byindex", "measure"]

    @Test func batchedUpdatesAndDeletesReproduceTheSourceAndCatchAMissingRow() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "keyed_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "keyed_tgt")
        try await source.execute(Self.schema + Self.initialData)
        try await target.execute(Self.schema + Self.initialData)
        let version = try await source.query("SHOW server_version_num").rows[0].int("server_version_num")
        let slot = "pgferry_keyed_\(UInt32.random(in: 0...UInt32.max))"
        try await source.execute(
            ReplicationCommands.createPublication(slot, schema: "k", tables: Self.tables, excludesTables: false, serverVersion: version))
        _ = try await source.query("SELECT pg_create_logical_replication_slot(\(slot), 'pgoutput')")

        for transaction in Self.workload { try await source.execute("SET synchronous_commit = on; \(transaction)") }
        let planner = ApplyPlanner(targets: try await ApplyReplayTests.applyTargets(target, schema: "k"))
        var transactions = try await Self.decode(source, slot: slot)
        #expect(transactions.count == Self.workload.count)

        var batched = 0
        try await PGConnection.withConnection(target.configuration) { connection in
            try await connection.execute("SET session_replication_role = replica")
            for transaction in transactions {
                try await connection.execute("BEGIN")
                for statement in try planner.statements(for: transaction.changes) {
                    let affected = try await ApplyReplayTests.run(statement, on: connection)
                    guard let expected = statement.expectedRows else { continue }
                    #expect(affected == expected, "\(statement.sql.prefix(120))")
                    if expected > 1 { batched += 1 }
                }
                try await connection.execute("COMMIT")
            }
        }
        // Up to 16 statements of 100 changes: 6–8 into items (its runs split by shape, repeated
        // keys and a key change, where the scans' row order decides), 3 into pairs, 2 into byindex,
        // 3 into measure.
        #expect(batched >= 14, "\(batched) batched statements")
        for table in Self.tables {
            let select: PGQuery = "SELECT to_jsonb(t)::text AS row FROM \(unescaped: SQL.qualified("k", table)) t ORDER BY 1"
            let expected = try await source.query(select).rows.map { try $0.string("row") }
            let applied = try await target.query(select).rows.map { try $0.string("row") }
            #expect(applied == expected, "k.\(table)")
        }

        // A row the target lost: the batched UPDATE touches 99 rows of 100, and says so.
        try await target.execute("DELETE FROM k.items WHERE id = 7")
        try await source.execute("SET synchronous_commit = on; UPDATE k.items SET v = 0 WHERE id <= 100")
        transactions = try await Self.decode(source, slot: slot)
        let statements = try planner.statements(for: transactions[0].changes)
        #expect(statements.count == 1)
        let affected = try await PGConnection.withConnection(target.configuration) { connection in
            try await ApplyReplayTests.run(statements[0], on: connection)
        }
        #expect(statements[0].expectedRows == 100)
        #expect(affected == 99)
        _ = try await source.query("SELECT pg_drop_replication_slot(\(slot))")
    }

    /// The transactions the slot holds, consumed.
    static func decode(_ source: TestDatabase, slot: String) async throws -> [ReplicatedTransaction] {
        let changes = try await source.query("""
            SELECT encode(data, 'hex') AS data FROM pg_logical_slot_get_binary_changes(\(slot), NULL, NULL,
              'proto_version', '1', 'publication_names', \(slot))
            """)
        var assembler = TransactionAssembler()
        var transactions: [ReplicatedTransaction] = []
        for row in changes.rows {
            let message = try PgOutputMessage(decoding: ApplyReplayTests.bytes(hex: try row.string("data")))
            if case .transaction(let transaction) = try assembler.receive(message) { transactions.append(transaction) }
        }
        return transactions
    }
}
