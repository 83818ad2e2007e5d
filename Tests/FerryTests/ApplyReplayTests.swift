import FerryCore
import FerryTestSupport
import PGClient
import Testing

/// The decoder, the assembler and the apply planner against real servers: changes decoded from
/// a logical slot on the source (through `pg_logical_slot_get_binary_changes`, the bytes the
/// replication connection carries) and applied to the target leave the target equal to the source.
@Suite struct ApplyReplayTests {
    static let schema = """
        CREATE SCHEMA r;
        CREATE TYPE r.mood AS ENUM ('sad', 'happy');
        CREATE TABLE r.items (id int PRIMARY KEY, name text, doc jsonb, mood r.mood, total numeric(10,2),
                              at timestamptz, tags text[], twice int GENERATED ALWAYS AS (id * 2) STORED);
        ALTER TABLE r.items ALTER COLUMN doc SET STORAGE EXTERNAL;
        CREATE TABLE r."Mixed Case" ("select" int, "Value" text);
        ALTER TABLE r."Mixed Case" REPLICA IDENTITY FULL;
        CREATE TABLE r.parent (id serial PRIMARY KEY, v text);
        CREATE TABLE r.child (id int PRIMARY KEY, parent_id int REFERENCES r.parent);
        CREATE TABLE r.measure (at date PRIMARY KEY, v int) PARTITION BY RANGE (at);
        CREATE TABLE r.measure_2025 PARTITION OF r.measure FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE r.measure_2026 PARTITION OF r.measure FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        CREATE TABLE r.events (at date, note text) PARTITION BY RANGE (at);
        CREATE TABLE r.events_a PARTITION OF r.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE r.events_b PARTITION OF r.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        ALTER TABLE r.events REPLICA IDENTITY FULL;
        ALTER TABLE r.events_a REPLICA IDENTITY FULL;
        ALTER TABLE r.events_b REPLICA IDENTITY FULL;
        """

    /// On both sides before the slot exists: what the initial copy would have moved.
    static let initialData = """
        INSERT INTO r.items (id, name, doc)
          SELECT 100, 'big', jsonb_build_object('k', string_agg(md5(i::text), '')) FROM generate_series(1, 200) i;
        INSERT INTO r."Mixed Case" VALUES (1, 'one'), (1, 'one'), (2, NULL);
        INSERT INTO r.parent (v) VALUES ('p1');
        INSERT INTO r.child VALUES (1, 1);
        INSERT INTO r.measure VALUES ('2025-06-01', 1), ('2026-02-01', 2);
        INSERT INTO r.events VALUES ('2025-03-01', 'same'), ('2026-03-01', 'same'), ('2026-03-01', 'same');
        """

    /// On the source after the slot: one transaction per element.
    static let workload = [
        """
        INSERT INTO r.items (id, name, doc, mood, total, at, tags) VALUES
          (1, 'it''s', '{"a": [1, 2]}', 'happy', 12.50, '2026-01-02 03:04:05.678901+00', '{x,"y z"}'),
          (2, NULL, NULL, NULL, NULL, NULL, NULL)
        """,
        "UPDATE r.items SET name = 'bigger' WHERE id = 100",  // doc stays TOASTed: sent as 'u'
        "BEGIN; UPDATE r.items SET id = 3 WHERE id = 2; DELETE FROM r.items WHERE id = 1; COMMIT",
        """
        UPDATE r."Mixed Case" SET "Value" = 'uno' WHERE ctid = (SELECT ctid FROM r."Mixed Case" WHERE "select" = 1 LIMIT 1)
        """,
        "DELETE FROM r.\"Mixed Case\" WHERE \"select\" = 2",
        "INSERT INTO r.\"Mixed Case\" VALUES (NULL, 'null key')",
        "UPDATE r.measure SET at = '2026-06-01' WHERE at = '2025-06-01'",  // moves to another partition
        "UPDATE r.measure SET v = 20 WHERE at = '2026-02-01'",
        "SELECT pg_logical_emit_message(true, 'pgferry', 'marker')",
        // Identical rows without a key, in a partitioned table: one row of one partition changes.
        "DELETE FROM r.events WHERE ctid = (SELECT ctid FROM r.events_b LIMIT 1) AND tableoid = 'r.events_b'::regclass",
        "UPDATE r.events SET note = 'changed' WHERE tableoid = 'r.events_a'::regclass",
        "TRUNCATE r.parent RESTART IDENTITY CASCADE",
        "INSERT INTO r.parent (v) VALUES ('after truncate')",
        "INSERT INTO r.child VALUES (5, 1)",
    ]

    static let tables = ["items", "Mixed Case", "parent", "child", "measure", "events"]

    @Test func decodedChangesAppliedToTheTargetReproduceTheSource() async throws {
        let cluster = try ThrowawayCluster()
        defer { cluster.stop() }
        try await TestDatabase(server: cluster.server, name: "postgres").execute("ALTER SYSTEM SET wal_level = logical")
        try cluster.restart()
        let source = try await TestDatabase.create(on: cluster.server, "replay_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "replay_tgt")
        try await source.execute(Self.schema + Self.initialData)
        try await target.execute(Self.schema + Self.initialData)

        let version = try await source.query("SHOW server_version_num").rows[0].int("server_version_num")
        try await source.execute(
            ReplicationCommands.createPublication(
                "pgferry_replay", schema: "r", tables: Self.tables, excludesTables: false, serverVersion: version))
        // The slot as follow mode creates it: on a replication connection, exporting a snapshot.
        let slot = try await PGReplicationConnection.connect(source.configuration).closing { connection in
            try await connection.createLogicalSlot("pgferry_replay")
        }
        #expect(slot.name == "pgferry_replay")
        #expect(LSN(slot.consistentPoint).map { $0 > .zero } == true)
        #expect(slot.snapshotName != nil)
        // Decoding stops at flushed WAL, and the test cluster commits asynchronously.
        for transaction in Self.workload { try await source.execute("SET synchronous_commit = on; \(transaction)") }
        let changes = try await source.query("""
            SELECT encode(data, 'hex') AS data FROM pg_logical_slot_get_binary_changes('pgferry_replay', NULL, NULL,
              'proto_version', '1', 'publication_names', 'pgferry_replay', 'messages', 'true')
            """)

        var assembler = TransactionAssembler()
        var transactions: [ReplicatedTransaction] = []
        for row in changes.rows {
            let message = try PgOutputMessage(decoding: Self.bytes(hex: try row.string("data")))
            if case .transaction(let transaction) = try assembler.receive(message) { transactions.append(transaction) }
        }
        #expect(transactions.count == Self.workload.count)

        let planner = ApplyPlanner(targets: try await Self.applyTargets(target, schema: "r"))
        let origin = "pgferry_replay_\(UInt32.random(in: 0...UInt32.max))"
        let progress = try await PGConnection.withConnection(target.configuration) { connection in
            try await connection.execute("SET session_replication_role = replica")
            try await Self.run(ReplicationCommands.createOrigin(origin), on: connection)
            try await Self.run(ReplicationCommands.setUpOriginSession(origin), on: connection)
            for transaction in transactions {
                try await connection.execute("BEGIN")
                for change in transaction.changes {
                    guard let statement = try planner.statement(for: change) else { continue }
                    let affected = try await Self.run(statement, on: connection)
                    if statement.expectsOneRow { #expect(affected == 1, "\(statement.sql)") }
                }
                try await Self.run(ReplicationCommands.recordOriginProgress(of: transaction), on: connection)
                try await connection.execute("COMMIT")
            }
            try await connection.execute("SELECT pg_catalog.pg_replication_origin_session_reset()")
            let progress = try await connection.pipeline([Self.pipelined(ReplicationCommands.originProgress(origin))])[0]
                .rows[0][0]
            _ = try await connection.query("SELECT pg_catalog.pg_replication_origin_drop(\(origin))")
            return progress
        }
        #expect(progress == transactions.last?.commitLSN.description)

        for table in Self.tables {
            let select: PGQuery = "SELECT to_jsonb(t)::text AS row FROM \(unescaped: SQL.qualified("r", table)) t ORDER BY 1"
            let expected = try await source.query(select).rows.map { try $0.string("row") }
            let applied = try await target.query(select).rows.map { try $0.string("row") }
            #expect(applied == expected, "r.\(table)")
        }
    }

    /// The target's tables of `schema` (partitions apply through their root).
    static func applyTargets(_ database: TestDatabase, schema: String) async throws -> [ApplyTarget] {
        let columns = try await database.query("""
            SELECT c.relname, c.relkind::text AS kind, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            """)
        var targets: [String: ApplyTarget] = [:]
        for row in columns.rows {
            let name = try row.string("relname")
            let isPartitioned = try row.string("kind") == "p"
            targets[name, default: ApplyTarget(name: QualifiedName(schema, name), isPartitioned: isPartitioned, columnTypes: [:])]
                .columnTypes[try row.string("attname")] = try row.string("type")
        }
        return Array(targets.values)
    }

    /// Runs a statement of a text-mode replay; returns the rows it affected.
    @discardableResult
    static func run(_ statement: ApplyStatement, on connection: PGConnection) async throws -> Int? {
        try await connection.pipeline([pipelined(statement)])[0].affectedRows
    }

    static func pipelined(_ statement: ApplyStatement) -> PipelinedStatement {
        PipelinedStatement(sql: statement.sql, parameters: statement.parameters.map {
            switch $0 {
            case .text(let bytes): return .text(bytes)
            case .null: return nil
            case .binary:
                Issue.record("binary parameter in a text-mode replay")
                return nil
            }
        })
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map {
            UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
        }
    }
}
