import Ferry
import FerryTestSupport
import PGClient
import Testing

/// Issue 9, item 7: on a PostgreSQL 18 target the source's planner statistics are restored
/// instead of ANALYZE (what pg_dump 18 carries); older targets keep ANALYZE.
@Suite(.serialized) struct PlannerStatisticsTests {
    /// Statistics the source gathered before 4000 more rows came (autovacuum off): restored,
    /// the target describes 1000 rows; analyzed, it counts 5000.
    static func populate(_ source: TestDatabase) async throws {
        try await source.execute("""
            CREATE SCHEMA stats;
            CREATE TABLE stats.items (id int PRIMARY KEY, kind text, tags int[], span int4range)
                WITH (autovacuum_enabled = false);
            INSERT INTO stats.items SELECT g, 'kind ' || (g % 7), ARRAY[g % 5, g % 3], int4range(g, g + g % 10)
                FROM generate_series(1, 1000) g;
            CREATE INDEX items_kind_upper ON stats.items (upper(kind));
            CREATE TABLE stats.events (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE stats.events_2025 PARTITION OF stats.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
                WITH (autovacuum_enabled = false);
            INSERT INTO stats.events SELECT g, date '2025-01-01' + g % 300 FROM generate_series(1, 500) g;
            ANALYZE stats.items, stats.events;
            INSERT INTO stats.items SELECT g, 'late', NULL, NULL FROM generate_series(1001, 5000) g;
            """)
    }

    static let columnStatistics: PGQuery = """
        SELECT tablename, attname, inherited, null_frac, avg_width, n_distinct, most_common_vals::text AS mcv,
               most_common_freqs::text AS mcf, histogram_bounds::text AS histogram, correlation,
               most_common_elems::text AS elems
        FROM pg_stats WHERE schemaname = 'stats' ORDER BY tablename, attname, inherited
        """
    static let relationStatistics: PGQuery = """
        SELECT c.relname, c.relpages, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'stats' AND c.relkind IN ('r', 'p', 'i', 'I') ORDER BY 1
        """

    @Test func aPostgres18TargetGetsTheSourcesStatisticsInsteadOfAnalyze() async throws {
        let cluster = try ThrowawayCluster(major: 18)
        defer { cluster.stop() }
        let source = try await TestDatabase.create(on: try await TestServers.source, "stats_src")
        let target = try await TestDatabase.create(on: cluster.server, "stats_tgt")
        try await Self.populate(source)

        try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                      schemas: ["stats"])).run()
        let expected = try await source.query(Self.columnStatistics).rows.map(\.values)
        #expect(expected.contains { $0[0] == "items_kind_upper" }, "expression index columns have statistics")
        #expect(expected.contains { $0[0] == "events" && $0[2] == "t" }, "the partitioned table has inherited ones")
        #expect(try await target.query(Self.columnStatistics).rows.map(\.values) == expected)
        #expect(try await target.query(Self.relationStatistics).rows.map(\.values)
            == (try await source.query(Self.relationStatistics).rows.map(\.values)))
        let analyzed = try await target.query("SELECT reltuples FROM pg_class WHERE oid = 'stats.items'::regclass").rows[0]
        #expect(try analyzed.string("reltuples") == "1000", "the source's figure, not a new ANALYZE's")

        // Asked for ANALYZE, the target describes what it holds.
        try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                      schemas: ["stats"], statistics: .analyze)).run()
        let reanalyzed = try await target.query("SELECT reltuples FROM pg_class WHERE oid = 'stats.items'::regclass").rows[0]
        #expect(try reanalyzed.string("reltuples") == "5000")
    }

    @Test(.enabled("needs a target older than PostgreSQL 18") { try await VersionPair.targetMajor < 18 })
    func copyingStatisticsToAnOlderTargetIsRefusedBeforeItIsTouched() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "stats_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "stats_tgt")
        try await Self.populate(source)
        try await target.execute("CREATE SCHEMA stats; CREATE TABLE stats.keep (id int)")
        let error = await #expect(throws: FerryError.self) {
            try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                          schemas: ["stats"], statistics: .copy)).run()
        }
        #expect(error?.message.contains("statistics copy needs a PostgreSQL 18 or newer target") == true)
        #expect(try await target.query("SELECT to_regclass('stats.keep') IS NOT NULL AS kept").rows[0].bool("kept"))
    }
}
