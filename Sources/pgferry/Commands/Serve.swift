import ArgumentParser
import Ferry
import FerryServer
import Foundation
import Logging

extension PGFerry {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve Queen's migration API (/api/v1/migration/…) and the dashboard page at /.",
            discussion: """
                The source is the server's own database: --source URL, else PGFERRY_SOURCE_URL, else Queen's \
                PG_HOST/PG_PORT/PG_DB/PG_USER/PG_PASSWORD/PG_USE_SSL, else libpq's PG* variables. The target comes \
                in each request. Admin auth: PGFERRY_ADMIN_TOKEN (Authorization: Bearer <token>) and/or \
                PGFERRY_JWT_SECRET (HS256 JWTs whose role/roles claim holds admin; Queen's JWT_ENABLED=true with \
                JWT_SECRET works too). With neither, a random token is made and printed at start-up.
                """)

        @Option(help: "Source connection: postgresql:// URL or key=value string.")
        var source: String?

        @Option(help: "Address to listen on, HOST:PORT. Anything but loopback needs admin auth configured.")
        var listen: String = "127.0.0.1:8080"

        @Option(help: "Tables copied at once, unless a start request says otherwise.")
        var jobs: Int?

        @Flag(name: .customLong("no-auth"), help: "Serve the API without any auth (loopback addresses only).")
        var noAuth = false

        @Option(help: "Log level on stderr.")
        var logLevel: Logger.Level = .info

        func validate() throws {
            if let jobs, !(1...64).contains(jobs) { throw ValidationError("--jobs must be between 1 and 64, got \(jobs)") }
        }

        func run() async throws {
            let logger = bootstrapLogging(logLevel)
            let address: ListenAddress
            do { address = try ListenAddress(parsing: listen) } catch { throw ValidationError(error.message) }
            let sourceConfiguration = try SourceSettings.configuration(
                url: source ?? ProcessInfo.processInfo.environment["PGFERRY_SOURCE_URL"])
            if let source, (try? ConnectionConfiguration(url: source))?["password"] != nil {
                FileHandle.standardError.write(Data(
                    "pgferry: warning: the source password is in a command-line argument, visible to other users; use PGFERRY_SOURCE_URL, PG_PASSWORD, PGPASSWORD or ~/.pgpass\n".utf8))
            }

            var auth = AdminAuth.fromEnvironment()
            if noAuth {
                guard AdminAuth.isLoopback(address.host) else {
                    throw ValidationError("--no-auth is only allowed on a loopback address, not \(address.host)")
                }
                auth = AdminAuth(disabled: true)
                logger.warning("admin auth is off (--no-auth): anyone on this machine can start a migration")
            } else if !auth.isConfigured && AdminAuth.isLoopback(address.host) {
                let token = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
                auth = AdminAuth(token: token)
                FileHandle.standardError.write(Data("pgferry: no PGFERRY_ADMIN_TOKEN set; this run's admin token is \(token)\n".utf8))
            }

            let server = FerryServer(source: sourceConfiguration, auth: auth, jobs: jobs, logger: logger)
            do {
                try server.checkExposure(host: address.host)
            } catch {
                throw CommandFailure(error.description)
            }
            try await server.run(host: address.host, port: address.port) { port in
                logger.notice("pgferry serving on http://\(ListenAddress(host: address.host, port: port)) (source \(sourceConfiguration.redactedDescription))")
            }
        }
    }
}
