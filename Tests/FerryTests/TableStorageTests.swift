import Ferry
import FerryTestSupport
import Testing

/// Issue 17, points 1, 2 and 4: a table's access method and replica identity come back as on the
/// source, the access method is a prerequisite named before anything is written, and what an
/// extension owns in the schema is never listed as not migrated.
@Suite struct TableStorageTests {
    static let accessMethod = "CREATE ACCESS METHOD store_heap TYPE TABLE HANDLER heap_tableam_handler;"

    /// Each relation's access method (`-` for none) and replica identity, with the identity's index.
    static let storage: PGQuery = """
        SELECT string_agg(format('%s:%s:%s:%s', c.relname, coalesce(a.amname, '-'), c.relreplident,
                                 coalesce((SELECT i.indexrelid::regclass::text FROM pg_index i
                                           WHERE i.indrelid = c.oid AND i.indisreplident), '-')), ', ' ORDER BY c.relname) AS relations
        FROM pg_class c LEFT JOIN pg_am a ON a.oid = c.relam
        WHERE c.relnamespace = 'store'::regnamespace AND c.relkind IN ('r', 'p', 'm')
        """

    @Test func accessMethodsAndReplicaIdentitiesRoundTrip() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "store_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "store_tgt")
        let versionQuery: PGQuery = "SELECT current_setting('server_version_num')::int / 10000 AS v"
        let sourceMajor = try await source.query(versionQuery).rows[0].int("v")
        let targetMajor = try await target.query(versionQuery).rows[0].int("v")
        // 17 records a partitioned table's access method (USING), older servers have none to give.
        let partitionedAccessMethod = sourceMajor >= 17 && targetMajor >= 17
        try await source.executePrerequisites(Self.accessMethod)
        try await source.execute("""
            CREATE SCHEMA store;
            CREATE TABLE store.columnar (id int PRIMARY KEY, note text) USING store_heap;
            INSERT INTO store.columnar SELECT g, 'note ' || g FROM generate_series(1, 50) g;
            CREATE MATERIALIZED VIEW store.columnar_notes USING store_heap AS SELECT id, note FROM store.columnar;
            CREATE TABLE store.by_index (id int PRIMARY KEY, code text NOT NULL);
            CREATE UNIQUE INDEX by_index_code ON store.by_index (code);
            ALTER TABLE store.by_index REPLICA IDENTITY USING INDEX by_index_code;
            CREATE TABLE store.by_key (id int PRIMARY KEY, code text);
            ALTER TABLE store.by_key REPLICA IDENTITY USING INDEX by_key_pkey;
            CREATE TABLE store.full_rows (id int, payload text);
            ALTER TABLE store.full_rows REPLICA IDENTITY FULL;
            CREATE TABLE store.no_identity (id int PRIMARY KEY, payload text);
            ALTER TABLE store.no_identity REPLICA IDENTITY NOTHING;
            INSERT INTO store.by_index SELECT g, 'c' || g FROM generate_series(1, 30) g;
            INSERT INTO store.full_rows SELECT g, 'p' || g FROM generate_series(1, 30) g;
            """ + (partitionedAccessMethod ? """
                CREATE TABLE store.parted (id int, at date) PARTITION BY RANGE (at) USING store_heap;
                CREATE TABLE store.parted_2024 PARTITION OF store.parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
                """ : ""))
        let request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["store"])

        // Without the access method the target is refused before anything is written.
        let refusal = await #expect(throws: FerryError.self) { try await Migration(request: request).run() }
        #expect(refusal.map { "\($0)" }?.contains("access method store_heap") == true, "\(String(describing: refusal))")
        #expect(try await target.query("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'store'").rows[0].int("n") == 0)

        try await target.executePrerequisites(Self.accessMethod)
        let migration = Migration(request: request)
        let plan = try await migration.plan()
        let sql = plan.ddl.allStatements.map(\.sql)
        #expect(sql.contains { $0.hasPrefix("CREATE TABLE store.columnar (") && $0.hasSuffix("\nUSING store_heap;") })
        #expect(sql.contains { $0.hasPrefix("CREATE MATERIALIZED VIEW store.columnar_notes USING store_heap AS") })
        #expect(plan.ddl.tablePostData[QualifiedName("store", "by_index")]?.then
            .contains { $0.sql == "ALTER TABLE ONLY store.by_index REPLICA IDENTITY USING INDEX by_index_code;" } == true,
                "once its index exists")
        let report = try await migration.run()
        #expect(report.progress.status == .complete)
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")
        let before = try await source.query(Self.storage).rows[0].string("relations")
        #expect(try await target.query(Self.storage).rows[0].string("relations") == before)
        #expect(before.contains("columnar:store_heap:d:-") && before.contains("columnar_notes:store_heap:d:-"))
        #expect(before.contains("by_index:heap:i:store.by_index_code") && before.contains("by_key:heap:i:store.by_key_pkey"))
        #expect(before.contains("full_rows:heap:f:-") && before.contains("no_identity:heap:n:-"))
        if partitionedAccessMethod { #expect(before.contains("parted:store_heap:")) }
        #expect(try source.schemaDump(["store"]) == (try target.schemaDump(["store"])))

        // The compare sees each of them lost.
        try await target.execute("""
            ALTER TABLE store.columnar SET ACCESS METHOD heap;
            ALTER TABLE store.by_index REPLICA IDENTITY DEFAULT;
            ALTER TABLE store.full_rows REPLICA IDENTITY DEFAULT;
            """)
        let comparison = try await SchemaCompare(source: source.configuration, target: target.configuration,
                                                 schemas: ["store"]).compare()
        let different = Dictionary(uniqueKeysWithValues: comparison.different.map { ($0.object, $0.facets) })
        #expect(different[InventoryKey(kind: "table", identity: "store.columnar")]
            == [FacetDifference(facet: "access method", source: "store_heap", target: "heap")])
        #expect(different[InventoryKey(kind: "table", identity: "store.by_index")]
            == [FacetDifference(facet: "replica identity", source: "i", target: "d")])
        #expect(different[InventoryKey(kind: "index", identity: "store.by_index_code")]?.map(\.facet) == ["replica identity"])
        #expect(different[InventoryKey(kind: "table", identity: "store.full_rows")]
            == [FacetDifference(facet: "replica identity", source: "f", target: "d")])
    }

    /// PostGIS-like: an extension in the migrated schema with a member table (its key, CHECK and
    /// index), a member view with a rule, and a user table referencing the member table.
    @Test func whatAnExtensionOwnsIsNeverListedAsNotMigrated() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "extown_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "extown_tgt")
        try await source.execute("""
            CREATE SCHEMA geo;
            CREATE EXTENSION citext SCHEMA geo;
            CREATE TABLE geo.spatial_ref_sys (srid int PRIMARY KEY CHECK (srid > 0), auth_name text);
            CREATE INDEX spatial_ref_sys_auth ON geo.spatial_ref_sys (auth_name);
            CREATE VIEW geo.geometry_columns AS SELECT srid FROM geo.spatial_ref_sys;
            CREATE RULE geometry_columns_insert AS ON INSERT TO geo.geometry_columns DO INSTEAD NOTHING;
            ALTER EXTENSION citext ADD TABLE geo.spatial_ref_sys;
            ALTER EXTENSION citext ADD VIEW geo.geometry_columns;
            CREATE TABLE geo.places (id int PRIMARY KEY, name geo.citext);
            CREATE RULE places_quiet AS ON DELETE TO geo.places DO INSTEAD NOTHING;
            """)
        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                            schemas: ["geo"]))
        let plan = try await migration.plan()
        #expect(plan.notMigrated.isEmpty, "\(plan.notMigrated)")
        let report = try await migration.run()
        #expect(report.progress.status == .complete)
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")
        let rules: PGQuery = "SELECT string_agg(rulename, ',' ORDER BY rulename) AS r FROM pg_rules WHERE schemaname = 'geo'"
        #expect(try await target.query(rules).rows[0].string("r") == "places_quiet")
    }
}
