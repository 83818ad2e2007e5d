import Ferry
import FerryTestSupport
import Foundation
import Testing

/// Issue 19, points 2 and 3: `--roles` creates on the target the roles a schema names, with their
/// attributes, settings, memberships and (asked for) password hashes, leaving present ones as
/// they are; `--create-prerequisites` also creates the extensions outside the schema that it uses.
@Suite struct RoleCreationTests {
    /// Each role's attributes, role-wide settings and password hash, and the memberships among `roles`.
    static func roles(_ names: [String]) -> PGQuery {
        """
        SELECT string_agg(format('%s:%s%s%s%s%s%s%s:%s:%s:%s:%s', r.rolname, r.rolsuper::int, r.rolinherit::int, r.rolcreaterole::int,
                                 r.rolcreatedb::int, r.rolcanlogin::int, r.rolreplication::int, r.rolbypassrls::int,
                                 r.rolconnlimit, r.rolvaliduntil, s.setconfig, r.rolpassword), E'\\n' ORDER BY r.rolname) AS roles,
               (SELECT string_agg(format('%s>%s:%s', g.rolname, m.rolname, a.admin_option), ', ' ORDER BY 1)
                FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
                WHERE g.rolname = ANY(\(names)) AND m.rolname = ANY(\(names))) AS memberships
        FROM pg_authid r LEFT JOIN pg_db_role_setting s ON s.setrole = r.oid AND s.setdatabase = 0
        WHERE r.rolname = ANY(\(names))
        """
    }

    @Test func rolesAreCreatedWithTheirAttributesMembershipsAndPasswords() async throws {
        let tag = "r19_\(UInt32.random(in: 0...UInt32.max))"
        let (owner, reader, group) = ("\(tag)_owner", "\(tag)_reader", "\(tag)_group")
        let source = try await TestDatabase.create(on: try await TestServers.source, "roles_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "roles_tgt")
        try await source.execute("""
            CREATE ROLE \(owner) LOGIN CONNECTION LIMIT 3 VALID UNTIL '2031-01-01 00:00:00+00' PASSWORD 'secret 19';
            ALTER ROLE \(owner) SET search_path = app, "$user";
            CREATE ROLE \(reader) NOLOGIN NOINHERIT;
            CREATE ROLE \(group) NOLOGIN BYPASSRLS;
            GRANT \(group) TO \(owner) WITH ADMIN OPTION;
            CREATE SCHEMA app AUTHORIZATION \(owner);
            CREATE TABLE app.notes (id int PRIMARY KEY, body text);
            ALTER TABLE app.notes OWNER TO \(owner);
            GRANT SELECT ON app.notes TO \(reader);
            ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;
            CREATE POLICY readable ON app.notes FOR SELECT TO \(reader) USING (id > 0);
            INSERT INTO app.notes VALUES (1, 'one'), (2, 'two');
            """)
        let request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["app"],
                                       includeOwnership: true, roles: true, rolePasswords: true)
        // Without --roles the target check names them; the plan says what --roles would create.
        var refused = request
        refused.roles = false
        refused.rolePasswords = false
        await #expect { try await Migration(request: refused).run() } throws: { "\($0)".contains(owner) && "\($0)".contains("do not exist") }
        let plan = try await Migration(request: request).plan()
        #expect(plan.notes.contains { $0.hasPrefix("--roles: would create role \(owner) (") && $0.contains(" LOGIN ") && $0.contains("CONNECTION LIMIT 3") })
        #expect(plan.notes.contains("--roles: would grant role \(group) to \(owner)"))

        let report = try await Migration(request: request).run()
        #expect(report.progress.hazards.filter { $0.hasPrefix("created role") }.count == 3, "\(report.progress.hazards)")
        let names = [owner, reader, group]
        let onSource = try await source.query(Self.roles(names)).rows[0]
        let onTarget = try await target.query(Self.roles(names)).rows[0]
        #expect(onTarget.values == onSource.values)
        #expect(try onTarget.string("roles").contains("SCRAM-SHA-256$"), "the hash moved, and only a hash")
        #expect(try onTarget.string("memberships") == "\(group)>\(owner):t")
        #expect(try await target.query("SELECT count(*) AS n FROM app.notes").rows[0].int("n") == 2)
        let compare = SchemaCompare(source: source.configuration, target: target.configuration, schemas: ["app"],
                                    includeOwnership: true, roles: true)
        #expect(try await compare.compare().isEqual)

        // A second run finds them: left as they are, one that differs named.
        try await target.execute("ALTER ROLE \(reader) LOGIN")
        let again = try await Migration(request: request).run()
        #expect(!again.progress.hazards.contains { $0.hasPrefix("created role") })
        #expect(again.progress.hazards.contains("role \(reader) exists on the target and differs (left as it is): "
            + "NOLOGIN on the source, LOGIN on the target"), "\(again.progress.hazards)")
        #expect(try await target.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = \(reader)").rows[0].bool("rolcanlogin"))

        // The compare with roles reports both kinds of difference.
        try await target.execute("REVOKE \(group) FROM \(owner)")
        let differs = try await compare.compare()
        #expect(differs.different.map(\.object) == [InventoryKey(kind: "role", identity: reader)])
        #expect(differs.different.first?.facets.first?.target?.contains(" LOGIN ") == true)
        #expect(differs.missing == [InventoryKey(kind: "role membership", identity: "\(group) to \(owner)")])
    }

    @Test func createPrerequisitesInstallsTheExtensionsTheSchemaUses() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "prereq_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "prereq_tgt")
        try await source.execute("""
            CREATE SCHEMA helpers;
            CREATE EXTENSION "uuid-ossp" WITH SCHEMA helpers;
            CREATE SCHEMA app;
            CREATE TABLE app.tokens (id uuid PRIMARY KEY DEFAULT helpers.uuid_generate_v4(), note text);
            INSERT INTO app.tokens (note) VALUES ('a'), ('b');
            """)
        var request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["app"])
        await #expect { try await Migration(request: request).run() } throws: { "\($0)".contains("needs extension uuid-ossp") }
        request.createPrerequisites = true
        #expect(try await Migration(request: request).plan().notes
            .contains("--create-prerequisites: would create extension uuid-ossp in schema helpers"))
        let report = try await Migration(request: request).run()
        #expect(report.progress.hazards.contains("created extension uuid-ossp in schema helpers"))
        #expect(try await target.query("""
            SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'uuid-ossp'
            """).rows[0].string("schema") == "helpers")
        try await target.execute("INSERT INTO app.tokens (note) VALUES ('c')")  // the default works on the target
        #expect(try await target.query("SELECT count(*) AS n FROM app.tokens").rows[0].int("n") == 3)
    }
}
