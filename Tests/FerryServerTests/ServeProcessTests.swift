import Ferry
import FerryServer
import FerryTestSupport
import Foundation
import Testing

/// The built `pgferry serve`, as an operator runs it: what its own environment must never lend to
/// a request's target, and what SIGTERM does to a running migration.
@Suite("pgferry serve process", .serialized, .enabled(if: ServeProcess.binaryExists))
struct ServeProcessTests {
    static let rolePassword = "serve-role-pw-" + UUID().uuidString.prefix(8)

    /// The scram role of the test clusters (pg-cluster.sh's pg_hba), with a password this test knows.
    static func passwordRole(on server: TestServers.Server) async throws {
        let admin = try await PGConnection.connect(server.configuration())
        _ = try? await admin.execute("CREATE ROLE pgferry_password_user LOGIN")
        // Other suites only ever try wrong passwords for this role, so setting ours harms none.
        try await admin.execute("ALTER ROLE pgferry_password_user PASSWORD '\(rolePassword)'")
        await admin.close()
    }

    static func sourceArguments(_ server: TestServers.Server) -> [String] {
        ["--source", "host=127.0.0.1 port=\(server.port) dbname=postgres user=postgres"]
    }

    @Test func requestTargetsNeverUseTheServersPasswordOrPassfile() async throws {
        let target = try await TestServers.target
        try await Self.passwordRole(on: target)
        let url = "postgresql://pgferry_password_user@127.0.0.1:\(target.port)/postgres"
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("pgferry-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let passfile = home.appendingPathComponent(".pgpass").path
        try "127.0.0.1:*:*:pgferry_password_user:\(Self.rolePassword)\n".write(toFile: passfile, atomically: true, encoding: .utf8)
        chmod(passfile, 0o600)

        let ambients: [(String, [String: String])] = [
            ("PGPASSWORD", ["PGPASSWORD": Self.rolePassword]),
            ("~/.pgpass", ["HOME": home.path]),
            ("PGPASSFILE", ["PGPASSFILE": passfile]),
        ]
        for (name, environment) in ambients {
            // The control: libpq itself logs in with that ambient credential (the CLI is not isolated).
            let cli = try TestServers.execute(ServeProcess.binary, ["test-connection", url],
                                              environment: environment.merging(["PGPASSWORD": environment["PGPASSWORD"] ?? ""]) { $1 }
                                                  .filter { !$0.value.isEmpty })
            #expect(cli.status == 0, "\(name): the CLI should log in with it: \(cli.output)")

            let serve = try await ServeProcess(arguments: Self.sourceArguments(try await TestServers.source), environment: environment)
            defer { serve.stop() }
            let body: [String: Any] = ["host": "127.0.0.1", "port": target.port, "database": "postgres", "user": "pgferry_password_user"]
            let refused = try await serve.http.call("POST", "api/v1/migration/test-connection", body)
            #expect(refused.status == 200)
            #expect(refused.json["success"] as? Bool == false, "\(name): \(refused.text)")
            let error = refused.json["error"] as? String ?? ""
            #expect(error.contains("password"), "\(name): \(error)")
            #expect(error.contains("the request gave no password"), "\(name): \(error)")
            #expect(!refused.text.contains(Self.rolePassword))

            var validateBody = body
            validateBody["schema"] = "public"
            let validation = try await serve.http.call("POST", "api/v1/migration/validate", validateBody)
            #expect(validation.status == 500, "\(name): \(validation.text)")
            let validationError = validation.json["error"] as? String ?? ""
            #expect(validationError.hasPrefix("Failed to connect to target") && validationError.contains("the request gave no password"),
                    "\(validation.text)")

            // The same request with the password logs in: the role and the route work.
            let given = try await serve.http.call("POST", "api/v1/migration/test-connection",
                                                  body.merging(["password": Self.rolePassword]) { $1 })
            #expect(given.json["success"] as? Bool == true, "\(name): \(given.text)")
            #expect(!serve.log.contains(Self.rolePassword))
        }
    }

    @Test func aServerAskingForACleartextPasswordGetsNoneOfTheServers() async throws {
        let catcher = try CleartextPasswordCatcher()
        defer { catcher.stop() }
        let ambient = "ambient-secret-" + UUID().uuidString
        let serve = try await ServeProcess(arguments: Self.sourceArguments(try await TestServers.source),
                                           environment: ["PGPASSWORD": ambient])
        defer { serve.stop() }
        let body: [String: Any] = ["host": "127.0.0.1", "port": catcher.port, "database": "d", "user": "u"]
        let reply = try await serve.http.call("POST", "api/v1/migration/test-connection", body)
        #expect(reply.json["success"] as? Bool == false)
        let given = try await serve.http.call("POST", "api/v1/migration/test-connection", body.merging(["password": "given-pw"]) { $1 })
        #expect(given.json["success"] as? Bool == false)
        let passwords = catcher.passwords
        // The catcher works (it got the password a request gave) and never saw the server's own.
        #expect(passwords.contains("given-pw"), "\(passwords)")
        #expect(!passwords.contains { $0.contains(ambient) }, "\(passwords)")
        #expect(!serve.log.contains(ambient))
    }

    @Test func sigtermCancelsTheRunWaitsForItsCleanupAndExits() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "sigterm_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "sigterm_tgt")
        // About 600 MB in two tables: long enough to be copying when the signal comes.
        try await source.execute("""
            CREATE SCHEMA big;
            CREATE TABLE big.rows (id bigint, payload text);
            INSERT INTO big.rows SELECT g, repeat('x', 480) FROM pg_catalog.generate_series(1, 600000) g;
            CREATE TABLE big.rows2 (LIKE big.rows);
            INSERT INTO big.rows2 SELECT * FROM big.rows;
            """)
        let serve = try await ServeProcess(
            arguments: ["--source", "host=127.0.0.1 port=\(source.server.port) dbname=\(source.name) user=postgres", "--jobs", "2"],
            environment: [:])
        defer { serve.stop() }
        let started = try await serve.http.call("POST", "api/v1/migration/start", [
            "host": "127.0.0.1", "port": target.server.port, "database": target.name, "user": "postgres", "schema": "big",
        ])
        #expect(started.status == 202, "\(started.text)")
        var copying = false
        for _ in 0..<600 where !copying {
            let status = try await serve.http.call("GET", "api/v1/migration/status")
            let tables = status.json["tables"] as? [[String: Any]] ?? []
            copying = tables.contains { $0["state"] as? String == "copying" && ($0["bytes"] as? Int ?? 0) > 0 }
            if ["complete", "error"].contains(status.json["status"] as? String ?? "") { break }
            if !copying { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(copying, "the run never reached the copy: \(serve.log)")

        let signalled = ContinuousClock.now
        serve.send(SIGTERM)
        let exitStatus = try await serve.waitForExit(timeout: .seconds(15))
        let took = ContinuousClock.now - signalled
        #expect(exitStatus == 0, "exit \(String(describing: exitStatus)): \(serve.log)")
        #expect(took < .seconds(10), "took \(took)")
        let log = serve.log
        #expect(log.contains("shutting down: cancelling the running migration"), "\(log)")
        #expect(log.contains("migration ended on shutdown") && log.contains("status=error"), "\(log)")

        // Nothing of pgferry's stays on either server: no session, so no lock or open transaction.
        for database in [source, target] {
            var remaining = -1
            for _ in 0..<50 {
                remaining = try await database.query("""
                    SELECT count(*) AS n FROM pg_catalog.pg_stat_activity
                    WHERE datname = pg_catalog.current_database() AND application_name = 'pgferry' AND pid <> pg_catalog.pg_backend_pid()
                    """).rows[0].int("n")
                if remaining == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(remaining == 0, "\(database.name): \(remaining) pgferry sessions left")
        }
    }
}
