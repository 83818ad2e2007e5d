import FerryTestSupport
import Testing

/// The pg_dump oracle itself (`TestDatabase.schemaDump`, `VersionPair`): the same schema loaded
/// natively on the source and the target server compares equal — also when the two run different
/// major versions (scripts/matrix.sh) — and a real difference on the target still shows.
@Suite struct VersionOracleTests {
    /// Touches every cross-version rule: a single-relation view (deparse changed in 16), a
    /// partition of a table with NOT NULL columns (18 names them, and names them differently for
    /// PARTITION OF and ATTACH PARTITION), typmods and a comment.
    static func schema(typmod: Int = 20, comment: String = "per kind", viewColumn: String = "n",
                       noteNotNull: Bool = false) -> String {
        """
        CREATE SCHEMA oracle;
        CREATE TABLE oracle.events (id bigint NOT NULL, at date NOT NULL, kind text NOT NULL,
            note varchar(\(typmod))\(noteNotNull ? " NOT NULL" : "")) PARTITION BY RANGE (at);
        CREATE TABLE oracle.events_2024 PARTITION OF oracle.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE oracle.events_2025 (LIKE oracle.events);
        ALTER TABLE oracle.events ATTACH PARTITION oracle.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE VIEW oracle.kinds AS SELECT kind, count(*) AS \(viewColumn) FROM oracle.events GROUP BY kind;
        COMMENT ON VIEW oracle.kinds IS '\(comment)';
        """
    }

    @Test func sameSchemaComparesEqualAcrossServers() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "oracle_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "oracle_tgt")
        try await source.execute(Self.schema())
        try await target.execute(Self.schema())
        #expect(try source.schemaDump(["oracle"]) == (try target.schemaDump(["oracle"])))
    }

    @Test func queenLoadedOnBothServersComparesEqual() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "oracle_qsrc")
        let target = try await TestDatabase.create(on: try await TestServers.target, "oracle_qtgt")
        try await source.loadFixture("queen", scale: 0.01)
        try await target.loadFixture("queen", scale: 0.01)
        #expect(try source.schemaDump(["queen"]) == (try target.schemaDump(["queen"])))
    }

    @Test(arguments: [
        schema(typmod: 30),
        schema(comment: "changed"),
        schema(viewColumn: "m"),
        schema(noteNotNull: true),
    ])
    func realDifferencesStillShow(targetSchema: String) async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "oracle_dsrc")
        let target = try await TestDatabase.create(on: try await TestServers.target, "oracle_dtgt")
        try await source.execute(Self.schema())
        try await target.execute(targetSchema)
        #expect(try source.schemaDump(["oracle"]) != (try target.schemaDump(["oracle"])))
    }
}
