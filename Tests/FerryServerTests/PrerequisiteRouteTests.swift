import Ferry
import FerryServer
import FerryTestSupport
import Foundation
import Hummingbird
import Testing

/// `"roles"`, `"rolePasswords"` and `"createPrerequisites"` on start, against real servers.
@Suite struct PrerequisiteRouteTests {
    @Test func startWithRolesCreatesThePolicyRoleTheTargetLacks() async throws {
        let role = "route_role_\(UInt32.random(in: 0...UInt32.max))"
        let source = try await TestDatabase.create(on: try await TestServers.source, "roleroute_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "roleroute_tgt")
        try await source.execute("""
            CREATE ROLE \(role) NOLOGIN BYPASSRLS;
            CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY); INSERT INTO app.t VALUES (1);
            ALTER TABLE app.t ENABLE ROW LEVEL SECURITY; CREATE POLICY mine ON app.t TO \(role) USING (true);
            """)
        let client = RouteClient(server: FerryServer(source: source.configuration, auth: AdminAuth(token: "test-admin-token"), jobs: 2))
        let body: [String: Any] = ["host": "127.0.0.1", "port": target.server.port, "database": target.name, "user": "postgres",
                                   "schema": "app"]
        let passwordsAlone = try await client.post("start", body.merging(["rolePasswords": true]) { $1 })
        #expect(passwordsAlone.status == .badRequest)
        #expect(passwordsAlone.error.contains("rolePasswords needs"))

        // Without roles the run stops on the missing role; the plan (against that run's target) says what roles would add.
        #expect(try await client.post("start", body).status == .accepted)
        #expect(try await client.waitForFinish()["status"] as? String == "error")
        let plan = try await client.get("plan?schema=app&roles=true").json
        #expect((plan["hazards"] as? [String])?.contains { $0.hasPrefix("--roles: would create role \(role) (") } == true, "\(plan)")
        // POST plan: the same against the body's target (the dashboard's "Show plan").
        let posted = try await client.post("plan", body.merging(["roles": true]) { $1 }).json
        #expect((posted["hazards"] as? [String])?.contains { $0.hasPrefix("--roles: would create role \(role) (") } == true, "\(posted)")
        #expect(posted["schemas"] as? [String] == ["app"])
        #expect(try await client.post("reset").status == .ok)

        #expect(try await client.post("start", body.merging(["roles": true]) { $1 }).status == .accepted)
        let status = try await client.waitForFinish()
        #expect(status["status"] as? String == "complete", "\(status)")
        #expect((status["hazards"] as? [String])?.contains { $0.hasPrefix("created role \(role) (") } == true, "\(status)")
        #expect(try await target.query("SELECT rolbypassrls FROM pg_roles WHERE rolname = \(role)").rows.first?.bool("rolbypassrls") == true)
        let compared = try await client.post("compare", body.merging(["roles": true]) { $1 }).json
        #expect(compared["equal"] as? Bool == true, "\(compared)")
        try await target.execute("ALTER ROLE \(role) NOBYPASSRLS")
        let differs = try await client.post("compare", body.merging(["roles": true]) { $1 }).json
        #expect(differs["equal"] as? Bool == false && "\(differs)".contains("BYPASSRLS"), "\(differs)")
    }

    @Test func allSchemasPlansAndMovesEverySchemaOfTheDatabase() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "allroute_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "allroute_tgt")
        try await source.execute("""
            CREATE SCHEMA one; CREATE TABLE one.t (id int PRIMARY KEY); INSERT INTO one.t VALUES (1);
            CREATE SCHEMA two; CREATE TABLE two.t (id int PRIMARY KEY); INSERT INTO two.t VALUES (2), (3);
            """)
        let client = RouteClient(server: FerryServer(source: source.configuration, auth: AdminAuth(token: "test-admin-token"), jobs: 2))
        let body: [String: Any] = ["host": "127.0.0.1", "port": target.server.port, "database": target.name, "user": "postgres",
                                   "allSchemas": true]
        #expect(try await client.get("plan?allSchemas=true").json["schemas"] as? [String] == ["one", "public", "two"])
        let both = try await client.post("start", body.merging(["schema": "one"]) { $1 })
        #expect(both.status == .badRequest)
        #expect(both.error.contains("schema and allSchemas exclude each other"))

        #expect(try await client.post("start", body).status == .accepted)
        let status = try await client.waitForFinish()
        #expect(status["status"] as? String == "complete", "\(status)")
        #expect(try await target.query("SELECT (SELECT count(*) FROM one.t) + (SELECT count(*) FROM two.t) AS n").rows[0].int("n") == 3)
        // validate and compare read every schema too.
        let validated = try await client.post("validate", body).json
        #expect(validated["allMatch"] as? Bool == true && validated["schema"] as? String == "one,public,two", "\(validated)")
        #expect((validated["tables"] as? [Any])?.count == 2)
        let compared = try await client.post("compare", body).json
        #expect(compared["equal"] as? Bool == true, "\(compared)")
    }
}
