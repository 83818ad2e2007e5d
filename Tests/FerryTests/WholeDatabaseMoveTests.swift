@testable import Ferry
import FerryTestSupport
import Foundation
import PGClient
import Testing

/// Issue 19's done-when test: a database with two application schemas, an extension in a third,
/// an event trigger, publications, database and role settings, a comment, foreign servers with a
/// user mapping, default privileges naming no schema, and roles with memberships and RLS
/// policies, moved with `--all-schemas --roles --owners` into an empty database of a fresh
/// cluster: whole-database `pg_dump` (sorted) equal, roles equal, rows equal, compare equal.
@Suite struct WholeDatabaseMoveTests {
    @Test func aWholeDatabaseMovesIntoAnEmptyDatabaseOfAFreshCluster() async throws {
        let major = try await VersionPair.sourceMajor
        let cluster = try ThrowawayCluster(major: major == 15 ? nil : major)
        defer { cluster.stop() }
        let source = try await TestDatabase.create(on: try await TestServers.source, "wholedb_src")
        let target = try await TestDatabase.create(on: cluster.server, "wholedb_tgt")
        // Roles are cluster-wide and the source cluster is shared: names of this run's own.
        let prefix = source.name.replacingOccurrences(of: "pgferry_wholedb_src_", with: "wdb")
        let owner = "\(prefix)_owner", app = "\(prefix)_app", reader = "\(prefix)_reader"
        // The PyPI builds' postgres_fdw may not load against the system's libpq: a wrapper of our own then.
        let postgresFDW = (try? await source.execute("CREATE EXTENSION postgres_fdw; DROP EXTENSION postgres_fdw")) != nil
        try await source.execute(Self.sourceSQL(owner: owner, app: app, reader: reader, major: major, postgresFDW: postgresFDW))

        let schemas = try await DatabaseSchemas.all(of: source.configuration)
        #expect(schemas == ["app", "billing", "extensions", "public"])
        let request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: schemas,
                                       includeOwnership: true, roles: true, wholeDatabase: true)
        let plan = try await Migration(request: request).plan()
        for line in ["publication \(prefix)_pub", "event trigger \(prefix)_ddl (created last)", "server \(prefix)_remote",
                     "user mapping for \(app) on server \(prefix)_remote", "access method \(prefix)_heap", "the database's comment"] {
            #expect(plan.notes.contains("whole database: creates \(line)"), "\(line) in \(plan.notes)")
        }
        #expect(plan.notes.contains { $0.hasPrefix("whole database: subscription \(prefix)_sub is not created") }, "\(plan.notes)")
        #expect(!plan.ddl.allStatements.map(\.printable).joined().contains("not-a-real-secret"))

        let report = try await Migration(request: request).run()
        #expect(report.progress.status == .complete)
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")
        try await Self.expectEqual(source, target, schemas: schemas, roles: [owner, app, reader])

        // A second run into the same database replaces what the first made, and leaves a schema only
        // the target has (reported).
        try await target.execute("CREATE SCHEMA kept_on_target")
        let again = try await Migration(request: request).run()
        #expect(again.progress.status == .complete)
        #expect(again.progress.hazards.contains { $0.contains("kept_on_target") }, "\(again.progress.hazards)")
        #expect(try await target.query("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'kept_on_target'").rows[0].int("n") == 1)
        try await target.execute("DROP SCHEMA kept_on_target")
        try await Self.expectEqual(source, target, schemas: schemas, roles: [owner, app, reader])

        // The compare sees the database's own settings.
        try await target.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem TO %L', current_database(), '16MB'); END $$")
        let differs = try await SchemaCompare(source: source.configuration, target: target.configuration, schemas: schemas,
                                              includeOwnership: true, wholeDatabase: true).compare()
        #expect(differs.different.map(\.object) == [InventoryKey(kind: "database", identity: "(the database compared)")],
                "\(differs.lines)")
        try await source.execute("ALTER SUBSCRIPTION \(prefix)_sub DISABLE; ALTER SUBSCRIPTION \(prefix)_sub SET (slot_name = NONE); "
            + "DROP SUBSCRIPTION \(prefix)_sub")
    }

    /// The rows of an extension's configuration tables move, as pg_dump carries them: pg_partman's
    /// `part_config` row for a partitioned table (skipped where the servers lack pg_partman).
    @Test func extensionConfigurationRowsMove() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "wholedb_config_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "wholedb_config_tgt")
        let available: PGQuery = "SELECT count(*) AS n FROM pg_available_extensions WHERE name = 'pg_partman'"
        guard try await source.query(available).rows[0].int("n") == 1, try await target.query(available).rows[0].int("n") == 1 else { return }
        try await source.execute("""
            CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;
            CREATE SCHEMA app; CREATE TABLE app.events (id int, created timestamptz NOT NULL) PARTITION BY RANGE (created);
            SELECT partman.create_parent('app.events', 'created', 'native', 'daily');
            """)
        let schemas = try await DatabaseSchemas.all(of: source.configuration)
        let report = try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                                   schemas: schemas, wholeDatabase: true)).run()
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")
        #expect(report.plan.notes.contains { $0.hasPrefix("whole database: creates the rows of partman.part_config") }, "\(report.plan.notes)")
        let configuration: PGQuery = "SELECT string_agg(parent_table || ' ' || partition_interval, ', ') AS rows FROM partman.part_config"
        let rows = try await source.query(configuration).rows[0].values
        #expect(rows == [Optional("app.events 1 day")])
        #expect(try await target.query(configuration).rows[0].values == rows)
        #expect(try await CorpusTests.rows(target, schemas: schemas) == (try await CorpusTests.rows(source, schemas: schemas)))
    }

    /// The command line: `plan --all-schemas` lists what it creates outside the schemas and never
    /// prints a user mapping's options; `compare --all-schemas` sees a missing publication, and
    /// none after `migrate --all-schemas`.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: CommandLineTests.binary)))
    func theCommandLinePlansMigratesAndComparesTheWholeDatabase() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "wholedb_cli_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "wholedb_cli_tgt")
        try await source.execute("""
            CREATE TABLE public.t (id int PRIMARY KEY); INSERT INTO public.t VALUES (1);
            CREATE PUBLICATION cli_pub FOR TABLE public.t;
            CREATE FOREIGN DATA WRAPPER cli_fdw; CREATE SERVER cli_server FOREIGN DATA WRAPPER cli_fdw;
            CREATE USER MAPPING FOR PUBLIC SERVER cli_server OPTIONS (user 'remote', password 'cli-secret-value');
            """)
        let urls = ["--source", CommandLineTests.url(source), "--target", CommandLineTests.url(target)]
        let plan = try TestServers.execute(CommandLineTests.binary, ["plan", "--all-schemas"] + urls)
        #expect(plan.status == 0, "\(plan.output)")
        #expect(plan.output.contains("-- note: whole database: creates publication cli_pub"), "\(plan.output)")
        #expect(plan.output.contains("user mapping for public on server cli_server is created without its password option"))
        #expect(plan.output.contains("CREATE PUBLICATION cli_pub"))
        let withOwners = try TestServers.execute(CommandLineTests.binary, ["plan", "--all-schemas", "--owners"] + urls)
        #expect(withOwners.output.contains("-- USER MAPPING FOR public SERVER cli_server (with its options, not shown)"), "\(withOwners.output)")
        #expect(!(plan.output + withOwners.output).contains("cli-secret-value"))

        let before = try TestServers.execute(CommandLineTests.binary, ["compare", "--all-schemas"] + urls)
        #expect(before.status == 1)
        #expect(before.output.contains("cli_pub"), "\(before.output)")
        let migrate = try TestServers.execute(CommandLineTests.binary, ["migrate", "--all-schemas"] + urls)
        #expect(migrate.status == 0, "\(migrate.output)")
        #expect(!migrate.output.contains("cli-secret-value"))
        let after = try TestServers.execute(CommandLineTests.binary, ["compare", "--all-schemas"] + urls)
        #expect(after.status == 0, "\(after.output)")
        let mapping: PGQuery = "SELECT umoptions::text AS options FROM pg_user_mappings"
        #expect(try await target.query(mapping).rows[0].values == [Optional("{user=remote}")])
    }

    /// A follow run moves the whole database too: its own publication on the source is neither
    /// recreated nor a difference, the source's are, and changes made while following arrive.
    @Test func aWholeDatabaseFollowRunEndsEqual() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "wholedb_follow_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "wholedb_follow_tgt")
        try await source.execute("""
            CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY, v text); INSERT INTO app.t VALUES (1, 'a'), (2, 'b');
            CREATE PUBLICATION app_changes FOR TABLE app.t;
            CREATE FUNCTION public.noop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
            CREATE EVENT TRIGGER app_watch ON ddl_command_end EXECUTE FUNCTION public.noop();
            """)
        let migration = Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: try await DatabaseSchemas.all(of: source.configuration),
            follow: true, wholeDatabase: true))
        let run = Task { try await migration.run() }
        try await FollowTests.waitUntilStreaming(migration)
        try await source.execute("SET synchronous_commit = on; UPDATE app.t SET v = 'followed' WHERE id = 1")
        migration.cutover()
        let report = try await run.value
        #expect(report.progress.follow?.state == .done)
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")
        #expect(try await target.query("SELECT v FROM app.t WHERE id = 1").rows.map { $0[0] } == ["followed"])
        let objects: PGQuery = """
            SELECT (SELECT string_agg(pubname, ',' ORDER BY pubname) FROM pg_publication) AS publications,
                   (SELECT string_agg(evtname, ',') FROM pg_event_trigger) AS triggers
            """
        let found = try await target.query(objects).rows[0].values
        #expect(found == [Optional("app_changes"), Optional("app_watch")])
    }

    static func sourceSQL(owner: String, app: String, reader: String, major: Int, postgresFDW: Bool) -> String {
        let prefix = String(owner.dropLast("_owner".count))
        let wrapper = postgresFDW ? "postgres_fdw" : "\(prefix)_dummy"
        return """
            CREATE ROLE \(owner) NOLOGIN; CREATE ROLE \(app) LOGIN CONNECTION LIMIT 5 VALID UNTIL '2100-01-01';
            CREATE ROLE \(reader) NOLOGIN NOINHERIT; GRANT \(reader) TO \(app);
            CREATE SCHEMA app AUTHORIZATION \(owner); CREATE SCHEMA billing AUTHORIZATION \(owner); CREATE SCHEMA extensions;
            CREATE EXTENSION pgcrypto WITH SCHEMA extensions;
            CREATE EXTENSION pg_trgm WITH SCHEMA pg_catalog;
            \(postgresFDW ? "CREATE EXTENSION postgres_fdw;" : "")
            CREATE FOREIGN DATA WRAPPER \(prefix)_dummy OPTIONS (mode 'test');
            CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL, secret bytea DEFAULT extensions.gen_random_bytes(4));
            ALTER TABLE app.users OWNER TO \(owner);
            CREATE INDEX users_email_trgm ON app.users USING gin (email pg_catalog.gin_trgm_ops);
            ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own_rows ON app.users TO \(app) USING (email = current_user);
            GRANT SELECT ON app.users TO \(reader);
            CREATE TABLE billing.invoices (id int PRIMARY KEY, user_id int REFERENCES app.users, total numeric(10, 2), note text);
            ALTER TABLE billing.invoices OWNER TO \(owner);
            INSERT INTO app.users (id, email) VALUES (1, 'a@example.com'), (2, 'b@example.com');
            INSERT INTO billing.invoices VALUES (10, 1, 9.50, 'x'), (11, 2, 20, NULL);
            CREATE FUNCTION public.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'ddl %', tg_tag; END $$;
            CREATE EVENT TRIGGER \(prefix)_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
                EXECUTE FUNCTION public.log_ddl();
            ALTER EVENT TRIGGER \(prefix)_ddl ENABLE ALWAYS;
            COMMENT ON EVENT TRIGGER \(prefix)_ddl IS 'logs DDL';
            CREATE PUBLICATION \(prefix)_pub FOR TABLE \(major >= 15 ? "app.users (id, email) WHERE (id > 0), TABLE" : "app.users,")
                billing.invoices WITH (publish = 'insert, update', publish_via_partition_root = true);
            COMMENT ON PUBLICATION \(prefix)_pub IS 'app changes';
            \(major >= 15 ? "CREATE PUBLICATION \(prefix)_schemas FOR TABLES IN SCHEMA billing;" : "")
            CREATE PUBLICATION \(prefix)_all FOR ALL TABLES WITH (publish = 'delete');
            ALTER PUBLICATION \(prefix)_all OWNER TO \(owner);
            CREATE SUBSCRIPTION \(prefix)_sub CONNECTION 'host=127.0.0.1 dbname=nowhere' PUBLICATION \(prefix)_pub
                WITH (connect = false, enabled = false, create_slot = false, slot_name = NONE);
            CREATE SERVER \(prefix)_remote FOREIGN DATA WRAPPER \(wrapper) OPTIONS (host 'remote.example', dbname 'other');
            CREATE USER MAPPING FOR \(app) SERVER \(prefix)_remote OPTIONS (user 'remote_app', password 'not-a-real-secret');
            CREATE USER MAPPING FOR PUBLIC SERVER \(prefix)_remote;
            CREATE FOREIGN TABLE billing.remote_rates (code text, rate numeric) SERVER \(prefix)_remote OPTIONS (table_name 'rates');
            ALTER FOREIGN TABLE billing.remote_rates OWNER TO \(owner);
            CREATE SERVER \(prefix)_dummy_server TYPE 'file' VERSION '1' FOREIGN DATA WRAPPER \(prefix)_dummy;
            ALTER SERVER \(prefix)_dummy_server OWNER TO \(owner);
            GRANT USAGE ON FOREIGN SERVER \(prefix)_dummy_server TO \(reader);
            COMMENT ON SERVER \(prefix)_dummy_server IS 'a server';
            CREATE FUNCTION public.lang_handler() RETURNS language_handler LANGUAGE c AS '$libdir/plpgsql', 'plpgsql_call_handler';
            CREATE TRUSTED LANGUAGE \(prefix)_lang HANDLER public.lang_handler;
            COMMENT ON LANGUAGE \(prefix)_lang IS 'plpgsql under another name';
            CREATE FUNCTION public.in_lang() RETURNS int LANGUAGE \(prefix)_lang AS $$ BEGIN RETURN 1; END $$;
            CREATE ACCESS METHOD \(prefix)_heap TYPE TABLE HANDLER heap_tableam_handler;
            CREATE CAST (macaddr AS bytea) WITH INOUT;
            ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) GRANT SELECT ON TABLES TO \(reader);
            ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
            DO $$ BEGIN
              EXECUTE format('ALTER DATABASE %I SET search_path TO app, public, "$user"', current_database());
              EXECUTE format('ALTER DATABASE %I SET work_mem TO %L', current_database(), '8MB');
              EXECUTE format('ALTER ROLE \(app) IN DATABASE %I SET statement_timeout TO %L', current_database(), '5s');
              EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'the whole-database test');
            END $$;
            """
    }

    /// Whole-database dumps (sorted, subscriptions left out), the database's comment and settings,
    /// the roles' attributes, memberships and settings in the database, user mappings' options,
    /// every table's rows, and the compare.
    static func expectEqual(_ source: TestDatabase, _ target: TestDatabase, schemas: [String], roles: [String]) async throws {
        let ours = try wholeDump(target), theirs = try wholeDump(source)
        for kind in ["CREATE EVENT TRIGGER", "CREATE PUBLICATION", "CREATE SERVER", "CREATE USER MAPPING", "CREATE ACCESS METHOD",
                     "CREATE CAST", "CREATE FOREIGN DATA WRAPPER", "CREATE TRUSTED PROCEDURAL LANGUAGE", "ALTER DEFAULT PRIVILEGES FOR ROLE"] {
            #expect(theirs.contains { $0.hasPrefix(kind) }, "\(kind) in the source's dump")
        }
        #expect(ours == theirs, "only on the target: \(ours.filter { !theirs.contains($0) }.prefix(20)); only on the source: \(theirs.filter { !ours.contains($0) }.prefix(20))")
        let database: PGQuery = """
            SELECT pg_catalog.shobj_description(d.oid, 'pg_database') AS comment,
                   (SELECT string_agg(coalesce(pg_get_userbyid(s.setrole), '-') || ' ' || s.setconfig::text, '; ' ORDER BY s.setrole)
                    FROM pg_db_role_setting s WHERE s.setdatabase = d.oid) AS settings,
                   (SELECT string_agg(format('%s %s %s %s %s %s', r.rolname, r.rolinherit, r.rolcanlogin, r.rolconnlimit,
                                             r.rolvaliduntil, r.rolbypassrls), ', ' ORDER BY r.rolname)
                    FROM pg_roles r WHERE r.rolname = ANY(\(roles))) AS roles,
                   (SELECT string_agg(format('%s in %s admin %s', m.member::regrole, m.roleid::regrole, m.admin_option), ', '
                                      ORDER BY m.member::regrole::text, m.roleid::regrole::text) FROM pg_auth_members m
                    WHERE m.roleid::regrole::text = ANY(\(roles)) OR m.member::regrole::text = ANY(\(roles))) AS memberships,
                   (SELECT string_agg(format('%s %s %s', srvname, usename, umoptions), ', ' ORDER BY srvname, usename)
                    FROM pg_user_mappings) AS mappings
            FROM pg_database d WHERE d.datname = current_database()
            """
        let onTarget = try await target.query(database).rows[0].values, onSource = try await source.query(database).rows[0].values
        #expect(onTarget == onSource)
        let sourceRows = try await CorpusTests.rows(source, schemas: schemas)
        #expect(sourceRows.count == 2)
        #expect(try await CorpusTests.rows(target, schemas: schemas) == sourceRows)
        let comparison = try await SchemaCompare(source: source.configuration, target: target.configuration, schemas: schemas,
                                                 includeOwnership: true, roles: true, wholeDatabase: true).compare()
        #expect(comparison.isEqual, "\(comparison.lines)")
    }

    /// `pg_dump --schema-only` of the whole database, sorted, without what differs by name only.
    static func wholeDump(_ database: TestDatabase) throws -> [Substring] {
        try PGDump.dump(port: database.server.port, database: database.name, schemas: [], extraArguments: ["--no-subscriptions"],
                        bindir: database.server.bindir)
            .split(separator: "\n")
            .filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") && !$0.hasPrefix("-- Dumped ") }
            .sorted()
    }
}
