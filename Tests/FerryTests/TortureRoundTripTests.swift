import Ferry
import FerryTestSupport
import Testing

/// Every object kind of issue 3 (Fixtures/torture): types, collations, sequences, partitions,
/// inheritance, views and materialized views, aggregates, operators, rules, policies, statistics;
/// and of issue 9: casts, transforms, conversions, foreign tables, text search parsers, templates,
/// dictionaries and configurations, operator families and classes.
@Suite struct TortureRoundTripTests {
    @Test func tortureSchemaRoundTrips() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "torture_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "torture_tgt")
        try await source.loadFixture("torture", scale: 0.5)
        try await target.loadFixturePrerequisites("torture")
        let auditBefore = try await source.query("SELECT count(*) AS n FROM torture.audit_log").rows[0].int("n")

        let report = try await Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: ["torture"])).run()
        #expect(report.progress.status == .complete)
        #expect(report.plan.tables.count == 26, "leaf partitions and plain tables hold the data, foreign tables none")
        #expect(report.plan.ddl.postData.contains { $0.sql.hasPrefix("CREATE VIEW torture.ledger_totals") },
                "a view grouping by a primary key is created after the key")
        #expect(report.plan.tables.filter { $0.loadThrough != nil }.count == 2, "hash on an enum loads through the root")

        #expect(try source.schemaDump(["torture"]) == (try target.schemaDump(["torture"])))
        let validation = try await Validator(source: source.configuration, target: target.configuration,
                                             schemas: ["torture"], checksums: true).validate()
        #expect(validation.allMatch, "\(validation.tables.filter { !$0.match })")

        let state = try await target.query("""
            SELECT (SELECT count(*) FROM torture.audit_log) AS audit,
                   (SELECT relispopulated FROM pg_class WHERE oid = 'torture.mood_stats'::regclass) AS populated,
                   (SELECT relispopulated FROM pg_class WHERE oid = 'torture.empty_stats'::regclass) AS empty_populated,
                   (SELECT count(*) FROM torture.mood_stats) AS mood_rows,
                   (SELECT nextval('torture.free_seq')) AS next_free,
                   (SELECT count(*) FROM torture.events) AS events
            """).rows[0]
        #expect(try state.int("audit") == auditBefore, "statement triggers did not fire during the load")
        #expect(try state.bool("populated") && !state.bool("empty_populated"))
        #expect(try state.int("mood_rows") == 3)
        let sourceNext = try await source.query("SELECT nextval('torture.free_seq') AS n").rows[0].int("n")
        #expect(try state.int("next_free") == sourceNext)
        // Identity on a partitioned table: added to the whole tree, its sequence carried over.
        let nextSerial: PGQuery = "SELECT nextval(pg_get_serial_sequence('torture.shards', 'serial_no')) AS n"
        #expect(try await target.query(nextSerial).rows[0].int("n") == (try await source.query(nextSerial).rows[0].int("n")))
        #expect(try state.int("events") == (try await source.query("SELECT count(*) AS n FROM torture.events").rows[0].int("n")))
        #expect(report.plan.notMigrated.isEmpty, "\(report.plan.notMigrated)")
        // The GIN index on the schema's own configuration answers as on the source, and the
        // indexes on the schema's operator classes are valid.
        let search: PGQuery = """
            SELECT (SELECT string_agg(id::text, ',' ORDER BY id) FROM torture.docs
                    WHERE to_tsvector('torture.docs_config', body) @@ to_tsquery('torture.docs_config', 'ferries')) AS found,
                   (SELECT string_agg(id::text, ',') FROM (SELECT id FROM torture.docs ORDER BY spot <-> point(3, 3), id LIMIT 5) n)
                       AS nearest,
                   ts_lexize('torture.plain_dict', 'The') IS NOT DISTINCT FROM '{}'::text[] AS stop_word,
                   (SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = 'torture.docs'::regclass) AS valid
            """
        let sourceSearch = try await source.query(search).rows[0]
        let targetSearch = try await target.query(search).rows[0]
        #expect(targetSearch.values == sourceSearch.values)
        #expect(try targetSearch.optionalString("found") != nil && targetSearch.bool("stop_word") && targetSearch.bool("valid"))

        // pg_dump -n leaves casts and transforms out (database-wide): compare the catalogs.
        let globals: PGQuery = """
            SELECT (SELECT string_agg(format('%s>%s %s %s %s %s', castsource::regtype, casttarget::regtype, castfunc::regprocedure,
                                             castcontext, castmethod, obj_description(oid, 'pg_cast')), '; '
                                      ORDER BY castsource::regtype::text, casttarget::regtype::text)
                    FROM pg_cast WHERE oid >= 16384) AS casts,
                   (SELECT string_agg(format('%s %s %s %s', trftype::regtype, l.lanname, trffromsql::regprocedure,
                                             trftosql::regprocedure), '; ')
                    FROM pg_transform JOIN pg_language l ON l.oid = trflang) AS transforms
            """
        let sourceGlobals = try await source.query(globals).rows[0]
        #expect(try sourceGlobals.string("casts").contains("torture.mood>integer torture.mood_score(torture.mood) a f a mood as its score"))
        #expect(try sourceGlobals.string("transforms") == "torture.mood sql torture.mood_from_sql(internal) -")
        #expect(try await target.query(globals).rows[0].values == sourceGlobals.values)
        #expect(!report.plan.tables.contains { $0.table.name == "remote_people" }, "a foreign table has no data to copy")
    }

    @Test func thePublicSchemaRoundTripsWithItsOwnerGrantsAndComment() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "public_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "public_tgt")
        try await source.execute("""
            CREATE TABLE public.items (id serial PRIMARY KEY, label text);
            INSERT INTO public.items (label) SELECT 'item ' || g FROM generate_series(1, 50) g;
            CREATE VIEW public.item_labels AS SELECT label FROM public.items;
            """)
        try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                      schemas: ["public"])).run()
        #expect(try source.schemaDump(["public"]) == (try target.schemaDump(["public"])))
        let query: PGQuery = """
            SELECT pg_get_userbyid(nspowner) AS owner, nspacl::text AS acl, obj_description(oid, 'pg_namespace') AS comment
            FROM pg_namespace WHERE nspname = 'public'
            """
        let before = try await source.query(query).rows[0]
        let after = try await target.query(query).rows[0]
        #expect(after.values == before.values)
    }
}
