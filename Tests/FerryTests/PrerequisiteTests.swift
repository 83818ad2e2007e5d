import Ferry
import FerryTestSupport
import Testing

/// What lives outside the schema is reported before the run, and owners and grants move when asked.
@Suite struct PrerequisiteTests {
    @Test func missingFunctionsAndExtensionsOutsideTheSchemaStopTheRunBeforeAnyWrite() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "prereq_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "prereq_tgt")
        let outside = """
            CREATE EXTENSION citext;
            CREATE EXTENSION btree_gist;
            CREATE FUNCTION public.next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'c' || floor(random() * 1000)::int $$;
            """
        try await source.execute(outside + """
            CREATE SCHEMA app;
            CREATE TABLE app.accounts (id int PRIMARY KEY, email public.citext UNIQUE, code text DEFAULT public.next_code());
            INSERT INTO app.accounts (id, email) SELECT g, 'User' || g || '@Example.com' FROM generate_series(1, 20) g;
            CREATE TABLE app.bookings (room int, during tsrange, EXCLUDE USING gist (room WITH =, during WITH &&));
            """)
        try await target.execute("CREATE SCHEMA app; CREATE TABLE app.untouched (id int)")
        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                            schemas: ["app"]))
        await #expect {
            try await migration.run()
        } throws: { error in
            let text = "\(error)"
            return text.contains("function public.next_code()") && text.contains("CREATE EXTENSION citext")
                && text.contains("operator class public.gist_int4_ops") && text.contains("CREATE EXTENSION btree_gist")
        }
        #expect(try await target.query("SELECT to_regclass('app.untouched') IS NOT NULL AS kept").rows[0].bool("kept"),
                "nothing was written")

        try await target.execute(outside)
        let report = try await Migration(request: migration.request).run()
        #expect(report.plan.prerequisites.count == 4, "citext type and operator class, btree_gist operator class, next_code")
        #expect(report.progress.tables.first(where: { $0.table == "app.accounts" })?.format == .text,
                "a citext column is no built-in type: text COPY")
        #expect(try source.schemaDump(["app"]) == (try target.schemaDump(["app"])))
        let emails = try await target.query("SELECT count(*) AS n FROM app.accounts WHERE email = 'user1@example.com'")
        #expect(try emails.rows[0].int("n") == 1, "citext semantics survive")
    }

    /// pg_dump `-n` leaves out an extension installed in the schema, and every object using its
    /// types or operator classes then fails; pgferry recreates it with the schema.
    @Test func extensionsInstalledInTheSchemaAreRecreatedWithIt() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "ext_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "ext_tgt")
        try await source.execute("""
            CREATE SCHEMA app;
            CREATE EXTENSION citext SCHEMA app;
            CREATE EXTENSION pg_trgm SCHEMA app;
            CREATE TABLE app.users (id int PRIMARY KEY, email app.citext UNIQUE, name text);
            CREATE INDEX users_name_trgm ON app.users USING gin (name app.gin_trgm_ops);
            INSERT INTO app.users SELECT g, 'User' || g || '@Example.com', 'name ' || g FROM generate_series(1, 50) g;
            """)
        try await target.execute("CREATE EXTENSION citext SCHEMA public")
        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                            schemas: ["app"]))
        await #expect { try await migration.run() } throws: { "\($0)".contains("ALTER EXTENSION citext SET SCHEMA app") }

        try await target.execute("DROP EXTENSION citext")
        try await migration.run()
        #expect(try source.schemaDump(["app"]) == (try target.schemaDump(["app"])))
        let state = try await target.query("""
            SELECT (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extnamespace = 'app'::regnamespace) AS extensions,
                   (SELECT count(*) FROM app.users WHERE email OPERATOR(app.=) 'user7@example.COM') AS found
            """).rows[0]
        #expect(try state.string("extensions") == "citext,pg_trgm")
        #expect(try state.int("found") == 1, "citext semantics survive")
    }

    @Test func rolesNamedByPoliciesMustExistOnTheTarget() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "roles_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "roles_tgt")
        let role = "policy reader \(UInt32.random(in: 0...UInt32.max))"
        try await source.execute("""
            CREATE ROLE "\(role)";
            CREATE SCHEMA secured;
            CREATE TABLE secured.notes (id int PRIMARY KEY, owner text);
            ALTER TABLE secured.notes ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own_notes ON secured.notes FOR SELECT TO "\(role)" USING (owner = current_user);
            INSERT INTO secured.notes VALUES (1, 'a');
            """)
        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                            schemas: ["secured"]))
        await #expect { try await migration.run() } throws: { "\($0)".contains("do not exist on the target: \"\(role)\"") }
        #expect(try await target.query("SELECT to_regnamespace('secured') IS NULL AS untouched").rows[0].bool("untouched"))

        try await target.execute("CREATE ROLE \"\(role)\"")
        try await migration.run()
        #expect(try source.schemaDump(["secured"]) == (try target.schemaDump(["secured"])))
        for database in [source, target] {
            try await database.execute("DROP SCHEMA secured CASCADE; DROP ROLE \"\(role)\"")
        }
    }

    @Test func ownersAndGrantsMoveWhenAsked() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "own_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "own_tgt")
        let roles = """
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ferry_owner') THEN CREATE ROLE ferry_owner; END IF;
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ferry reader') THEN CREATE ROLE "ferry reader"; END IF;
            END $$;
            """
        try await source.execute(roles)
        try await target.execute(roles)
        try await source.execute("""
            CREATE SCHEMA owned AUTHORIZATION ferry_owner;
            GRANT USAGE ON SCHEMA owned TO "ferry reader";
            SET ROLE ferry_owner;
            CREATE TABLE owned.things (id serial PRIMARY KEY, name text);
            CREATE VIEW owned.thing_names AS SELECT name FROM owned.things;
            CREATE FUNCTION owned.count_things() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM owned.things';
            REVOKE EXECUTE ON FUNCTION owned.count_things() FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION owned.count_things() TO "ferry reader";
            GRANT SELECT, INSERT ON owned.things TO "ferry reader" WITH GRANT OPTION;
            GRANT SELECT ON owned.thing_names TO "ferry reader";
            GRANT USAGE ON SEQUENCE owned.things_id_seq TO "ferry reader";
            ALTER DEFAULT PRIVILEGES IN SCHEMA owned GRANT SELECT ON TABLES TO "ferry reader";
            ALTER DEFAULT PRIVILEGES IN SCHEMA owned GRANT USAGE ON SEQUENCES TO "ferry reader" WITH GRANT OPTION;
            RESET ROLE;
            INSERT INTO owned.things (name) VALUES ('a'), ('b');
            """)
        try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                      schemas: ["owned"], includeOwnership: true)).run()
        let full = try source.schemaDump(["owned"])
        #expect(full.contains("OWNER TO ferry_owner") && full.contains("GRANT SELECT"))
        #expect(full.contains("ALTER DEFAULT PRIVILEGES FOR ROLE ferry_owner IN SCHEMA owned GRANT SELECT ON TABLES"))
        #expect(full == (try target.schemaDump(["owned"])))
        // Without owners the schema's default privileges are left out, as pg_dump --no-privileges does.
        try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                      schemas: ["owned"])).run()
        #expect(!(try target.schemaDump(["owned"])).contains("ALTER DEFAULT PRIVILEGES"))
    }
}
