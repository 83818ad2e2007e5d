import Ferry
import FerryTestSupport
import Testing

/// Issue 9, items 4 and 5: attributes that hang off views and indexes survive the round trip, and
/// what pgferry does not recreate is listed before anything is written.
@Suite struct FidelityAttributeTests {
    @Test func viewDefaultsMaterializedViewColumnOptionsAndIndexStatisticsRoundTrip() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "attrs_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "attrs_tgt")
        let versionQuery: PGQuery = "SELECT current_setting('server_version_num')::int AS v"
        let sourceVersion = try await source.query(versionQuery).rows[0].int("v")
        let targetVersion = try await target.query(versionQuery).rows[0].int("v")
        let compression = sourceVersion >= 140000 && targetVersion >= 140000
        try await source.execute("""
            CREATE SCHEMA attrs;
            CREATE TABLE attrs.items (id int PRIMARY KEY, label text NOT NULL, price numeric);
            INSERT INTO attrs.items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 200) g;
            CREATE INDEX items_label_lower ON attrs.items (id, lower(label), (price * 2));
            ALTER INDEX attrs.items_label_lower ALTER COLUMN 2 SET STATISTICS 300;
            ALTER INDEX attrs.items_label_lower ALTER COLUMN 3 SET STATISTICS 0;
            CREATE VIEW attrs.item_view AS SELECT id, label, price FROM attrs.items;
            ALTER VIEW attrs.item_view ALTER COLUMN label SET DEFAULT 'unnamed';
            ALTER VIEW attrs.item_view ALTER COLUMN price SET DEFAULT (0)::numeric;
            CREATE MATERIALIZED VIEW attrs.item_summary AS SELECT id, label, price FROM attrs.items;
            ALTER MATERIALIZED VIEW attrs.item_summary ALTER COLUMN label SET STORAGE EXTERNAL;
            ALTER MATERIALIZED VIEW attrs.item_summary ALTER COLUMN label SET STATISTICS 500;
            ALTER MATERIALIZED VIEW attrs.item_summary ALTER COLUMN price SET (n_distinct = 42);
            CREATE INDEX item_summary_upper ON attrs.item_summary (upper(label));
            ALTER INDEX attrs.item_summary_upper ALTER COLUMN 1 SET STATISTICS 250;
            """ + (compression ? "ALTER MATERIALIZED VIEW attrs.item_summary ALTER COLUMN price SET COMPRESSION pglz;" : ""))

        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                            schemas: ["attrs"]))
        let plan = try await migration.plan()
        let sql = plan.ddl.allStatements.map(\.sql)
        #expect(sql.contains("ALTER VIEW attrs.item_view ALTER COLUMN label SET DEFAULT 'unnamed'::text;"))
        #expect(sql.contains("ALTER MATERIALIZED VIEW attrs.item_summary ALTER COLUMN label SET STORAGE EXTERNAL;"))
        #expect(sql.contains("ALTER INDEX attrs.items_label_lower ALTER COLUMN 2 SET STATISTICS 300;"))
        #expect(plan.ddl.tablePostData[QualifiedName("attrs", "items")]?.then
            .contains { $0.sql.hasPrefix("ALTER INDEX attrs.items_label_lower ALTER COLUMN 3") } == true,
                "after the index is built")
        #expect(plan.notMigrated.isEmpty)

        let report = try await migration.run()
        #expect(report.progress.status == .complete)
        #expect(try source.schemaDump(["attrs"]) == (try target.schemaDump(["attrs"])))
        let stateQuery: PGQuery = """
            SELECT (SELECT string_agg(attnum || ':' || coalesce(NULLIF(attstattarget, -1)::text, '-'), ',' ORDER BY attnum) FROM pg_attribute
                    WHERE attrelid = 'attrs.items_label_lower'::regclass) AS index_targets,
                   (SELECT string_agg(attname || ':' || attstorage::text || ':' || coalesce(NULLIF(attstattarget, -1)::text, '-') || ':'
                                      || coalesce(attoptions::text, '-'), ',' ORDER BY attnum) FROM pg_attribute
                    WHERE attrelid = 'attrs.item_summary'::regclass AND attnum > 0) AS matview_columns,
                   (SELECT string_agg(pg_get_expr(adbin, adrelid), ',' ORDER BY adnum) FROM pg_attrdef
                    WHERE adrelid = 'attrs.item_view'::regclass) AS view_defaults
            """
        let before = try await source.query(stateQuery).rows[0]
        let after = try await target.query(stateQuery).rows[0]
        #expect(after.values == before.values)
        #expect(try after.string("view_defaults") == "'unnamed'::text,(0)::numeric")
    }
}
