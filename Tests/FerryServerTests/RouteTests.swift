import Ferry
import FerryServer
import FerryTestSupport
import Foundation
import Hummingbird
import Testing

/// Every route and status code, through the responder (no socket), against real PostgreSQL.
@Suite("Routes")
struct RouteTests {
    @Test func healthAndDashboardNeedNoToken() async throws {
        let client = RouteClient(server: FerryServer(source: ConnectionConfiguration(), auth: AdminAuth(token: "t")), token: nil)
        let health = try await client.send(.get, "/health")
        #expect(health.status == .ok)
        #expect(health.json["status"] as? String == "ok")
        #expect(health.json["migration"] as? String == "idle")
        let page = try await client.send(.get, "/")
        #expect(page.status == .ok)
        #expect(page.headers[.contentType] == "text/html; charset=utf-8")
        #expect(page.body.contains("Test Connection") && page.body.contains("Kept in this tab's sessionStorage"))
        #expect(try await client.send(.get, "/migration").body == page.body)
        // The page's script and style sheet: files of their own, from this server only (no inline script).
        #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self';") == true)
        let script = try await client.send(.get, "/dashboard.js")
        #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
        #expect(script.body.contains("Metrics & stats") && script.body.contains("Consumption history"))
        let style = try await client.send(.get, "/dashboard.css")
        #expect(style.status == .ok && style.headers[.contentType] == "text/css; charset=utf-8" && style.body.contains("--accent"))
        let missing = try await client.send(.get, "/nope")
        #expect(missing.status == .notFound)
    }

    @Test func unreachableSourceIs500() async throws {
        let source = ConnectionConfiguration([.init("host", "127.0.0.1"), .init("port", String(try TestServers.freePort())),
                                              .init("dbname", "queen"), .init("user", "postgres"), .init("password", "src-pw-x")])
        let client = RouteClient(server: FerryServer(source: source, auth: AdminAuth(token: "test-admin-token")))
        let target: [String: Any] = ["host": "127.0.0.1", "database": "d", "user": "u"]
        let start = try await client.post("start", target)
        #expect(start.status == .internalServerError)
        #expect(start.error.hasPrefix("Failed to connect to source: "))
        #expect(!start.body.contains("src-pw-x"))
        #expect(try await client.get("plan").status == .internalServerError)
        #expect(try await client.get("status").json["status"] as? String == "idle")
    }

    @Test func idleStatusHasQueensFields() async throws {
        let client = RouteClient(server: FerryServer(source: ConnectionConfiguration(), auth: AdminAuth(token: "test-admin-token")))
        let reply = try await client.get("status")
        #expect(reply.status == .ok)
        #expect(reply.json["status"] as? String == "idle")
        #expect(reply.json["currentStep"] as? String == "")
        #expect(reply.json["elapsedSeconds"] as? Double == 0)
        #expect(reply.json["error"] == nil)
        #expect((reply.json["tables"] as? [Any])?.isEmpty == true)
        #expect(reply.json["totals"] is [String: Any])
    }

    @Test func badInputIs400NamingTheField() async throws {
        let databases = try await QueenDatabases.make("routes400")
        let client = RouteClient(server: databases.server())

        let malformed = try await client.send(.post, "/api/v1/migration/test-connection", body: "{\"host\": ")
        #expect(malformed.status == .badRequest)
        #expect(malformed.error.contains("not valid JSON"))

        let empty = try await client.send(.post, "/api/v1/migration/start", body: "")
        #expect(empty.status == .badRequest)
        #expect(empty.error.contains("request body is required"))

        let notObject = try await client.send(.post, "/api/v1/migration/start", body: "[1]")
        #expect(notObject.status == .badRequest)
        #expect(notObject.error.contains("JSON object"))

        let missing = try await client.post("test-connection", ["host": "127.0.0.1"])
        #expect(missing.status == .badRequest)
        #expect(missing.error == "host, database, and user are required (missing: database, user)")

        let port = try await client.post("start", databases.targetBody(extra: ["port": "54x"]))
        #expect(port.status == .badRequest)
        #expect(port.error == "port must be a number from 1 to 65535, got \"54x\"")

        let sslmode = try await client.post("test-connection", databases.targetBody(extra: ["sslmode": "maybe"]))
        #expect(sslmode.status == .badRequest)
        #expect(sslmode.error.hasPrefix("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full"))

        let unknownTable = try await client.post("start", databases.targetBody(extra: ["excludeTableData": ["messages", "mesages"]]))
        #expect(unknownTable.status == .badRequest)
        #expect(unknownTable.error.hasPrefix("excludeTableData: \"mesages\" is not a table of the migrated schema; accepted: "))
        #expect(unknownTable.error.contains("queues"))

        let notArray = try await client.post("start", databases.targetBody(extra: ["excludeTableData": 3]))
        #expect(notArray.status == .badRequest)
        #expect(notArray.error.hasPrefix("excludeTableData must be an array of table names"))

        let schema = try await client.post("start", databases.targetBody(extra: ["schema": "queen; DROP SCHEMA queen"]))
        #expect(schema.status == .badRequest)
        #expect(schema.error.hasPrefix("schema \"queen; DROP SCHEMA queen\" is not a schema of the source; existing schemas: "))
        #expect(schema.error.contains("queen"))

        let validateSchema = try await client.post("validate", databases.targetBody(extra: ["schema": "nope"]))
        #expect(validateSchema.status == .badRequest)

        let jobs = try await client.post("start", databases.targetBody(extra: ["jobs": 0]))
        #expect(jobs.status == .badRequest)
        #expect(jobs.error.contains("jobs must be a whole number from 1 to 64"))

        let plan = try await client.get("plan?schema=queen&excludeTableData=nosuch")
        #expect(plan.status == .badRequest)
        #expect(plan.error.contains("\"nosuch\" is not a table"))

        // Nothing was started by any of these.
        #expect(try await client.get("status").json["status"] as? String == "idle")
    }

    @Test func testConnectionReportsVersionOrFailureWithoutThePassword() async throws {
        let databases = try await QueenDatabases.make("routestc")
        let client = RouteClient(server: databases.server())
        let ok = try await client.post("test-connection", databases.targetBody(extra: ["port": String(databases.target.server.port)]))
        #expect(ok.status == .ok)
        #expect(ok.json["success"] as? Bool == true)
        #expect(ok.json["message"] as? String == "Connection successful")
        #expect((ok.json["version"] as? String)?.hasPrefix("PostgreSQL ") == true)

        let password = "s3cret-Pass word'\""
        let closed = try TestServers.freePort()
        let failed = try await client.post("test-connection", databases.targetBody(password: password, extra: ["port": closed]))
        #expect(failed.status == .ok)
        #expect(failed.json["success"] as? Bool == false)
        #expect(failed.json["message"] as? String == "Connection failed")
        #expect((failed.json["error"] as? String)?.isEmpty == false)
        #expect(!failed.body.contains("s3cret"))

        // The scram user of the test clusters: a wrong password is refused, and not echoed.
        let wrong = try await client.post("test-connection", databases.targetBody(password: password, extra: ["user": "pgferry_password_user"]))
        #expect(wrong.json["success"] as? Bool == false)
        #expect(!wrong.body.contains("s3cret"))
    }

    @Test func lifecycleStatusCodes() async throws {
        let databases = try await QueenDatabases.make("routeslife")
        let client = RouteClient(server: databases.server())

        #expect(try await client.post("cancel").status == .conflict)
        #expect(try await client.post("reset").status == .ok)

        // Hold a lock the migration's snapshot must wait for, so it stays running.
        let blocker = try await PGConnection.connect(databases.source.configuration)
        try await blocker.execute("BEGIN; LOCK TABLE queen.queues IN ACCESS EXCLUSIVE MODE")

        let password = "pw-never-shown"
        let started = try await client.post("start", databases.targetBody(password: password, extra: ["excludeTableData": ["message_traces"]]))
        #expect(started.status == .accepted)
        #expect(started.json["status"] as? String == "started")
        #expect(started.json["message"] as? String == "Migration started. Poll /api/v1/migration/status for progress.")

        let running = try await client.get("status")
        #expect(["dumping", "restoring"].contains(running.json["status"] as? String ?? ""))
        #expect(!running.body.contains(password))

        let second = try await client.post("start", databases.targetBody())
        #expect(second.status == .conflict)
        #expect(second.error == "Migration already in progress")

        let reset = try await client.post("reset")
        #expect(reset.status == .conflict)
        #expect(reset.error == "Cannot reset while migration is in progress")

        let health = try await client.send(.get, "/health")
        #expect(["dumping", "restoring"].contains(health.json["migration"] as? String ?? ""))

        // Cancel once the snapshot waits on the lock: a cancel that lands before a statement starts
        // is lost by the engine today (see the server note), which is not what this test is about.
        try await waitForLockWait(databases.source)
        let cancel = try await client.post("cancel")
        #expect(cancel.status == .accepted)
        #expect(cancel.json["status"] as? String == "cancelling")
        let final = try await client.waitForFinish()
        try await blocker.execute("ROLLBACK")
        await blocker.close()
        #expect(final["status"] as? String == "error")
        #expect((final["error"] as? String)?.contains("cancel") == true)
        #expect(final["currentStep"] as? String == "Migration failed")
        let finalText = try await client.get("status").body
        #expect(!finalText.contains(password))

        let resetAfter = try await client.post("reset")
        #expect(resetAfter.status == .ok)
        #expect(resetAfter.json["status"] as? String == "idle")
        #expect(resetAfter.json["message"] as? String == "Migration state reset")
        #expect(try await client.get("status").json["status"] as? String == "idle")
    }

    private func waitForLockWait(_ database: TestDatabase) async throws {
        for _ in 0..<300 {
            let waiting = try await database.query("""
                SELECT count(*) AS n FROM pg_catalog.pg_stat_activity
                WHERE datname = pg_catalog.current_database() AND application_name = 'pgferry' AND wait_event_type = 'Lock'
                """)
            if try waiting.rows[0].int("n") > 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("the migration never waited on the lock")
    }

    @Test func completeRunValidatesAndPlans() async throws {
        let databases = try await QueenDatabases.make("routesrun")
        let client = RouteClient(server: databases.server())

        let plan = try await client.get("plan?schema=queen&excludeTableData=messages_consumed")
        #expect(plan.status == .ok)
        let tables = plan.json["tables"] as? [[String: Any]] ?? []
        #expect(tables.count == 20)
        #expect(tables.first { $0["table"] as? String == "queen.messages_consumed" }?["copiesData"] as? Bool == false)
        #expect(tables.allSatisfy { ($0["bytes"] as? Int ?? -1) >= 0 })
        #expect((plan.json["ddl"] as? [[String: Any]])?.contains { ($0["sql"] as? String)?.hasPrefix("CREATE TABLE") == true } == true)
        let nothingOnTarget = try await databases.target.query("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'queen'")
        #expect(try nothingOnTarget.rows[0].int("n") == 0)

        let started = try await client.post("start", databases.targetBody(extra: ["excludeTableData": ["messages_consumed"]]))
        #expect(started.status == .accepted)
        let final = try await client.waitForFinish()
        #expect(final["status"] as? String == "complete", "\(final)")
        #expect(final["currentStep"] as? String == "Migration complete")
        let elapsed = try #require(final["elapsedSeconds"] as? Double)
        #expect(elapsed == (elapsed * 10).rounded() / 10)
        let statusTables = final["tables"] as? [[String: Any]] ?? []
        #expect(statusTables.count == 20)
        let messages = try #require(statusTables.first { $0["table"] as? String == "queen.messages" })
        #expect(messages["state"] as? String == "done")
        #expect(messages["rows"] as? Int == 20000)
        #expect((messages["bytes"] as? Int ?? 0) > 0)
        #expect(messages["percent"] as? Double == 100)
        #expect(statusTables.first { $0["table"] as? String == "queen.messages_consumed" }?["state"] as? String == "skipped")
        let totals = try #require(final["totals"] as? [String: Any])
        #expect(totals["tablesSkipped"] as? Int == 1)
        #expect(totals["tablesDone"] as? Int == 19)
        #expect(totals["percent"] as? Double == 100)
        #expect(final["excludeTableData"] as? [String] == ["messages_consumed"])

        let validation = try await client.post("validate", databases.targetBody())
        #expect(validation.status == .ok)
        #expect(validation.json["success"] as? Bool == true)
        #expect(validation.json["allMatch"] as? Bool == true)
        let rows = validation.json["tables"] as? [[String: Any]] ?? []
        #expect(rows.count == 20)
        let skipped = try #require(rows.first { $0["table"] as? String == "queen.messages_consumed" })
        #expect(skipped["skipped"] as? Bool == true)
        #expect(skipped["targetCount"] as? Int == 0)
        #expect(rows.filter { $0["skipped"] as? Bool == true }.count == 1)

        // A second start after complete is allowed without a reset, as in Queen.
        let again = try await client.post("start", databases.targetBody())
        #expect(again.status == .accepted)
        #expect(try await client.waitForFinish()["status"] as? String == "complete")

        let unreachable = try await client.post("validate", databases.targetBody(password: "pw-x", extra: ["port": try TestServers.freePort()]))
        #expect(unreachable.status == .internalServerError)
        #expect(unreachable.json["success"] as? Bool == false)
        #expect(unreachable.error.hasPrefix("Failed to connect to target: "))
        #expect(!unreachable.body.contains("pw-x"))
    }
}
