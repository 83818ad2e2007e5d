import ArgumentParser
import Ferry
import FerryServer
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

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
                Requests must name this server in Host (an IP address, localhost, the listen host or --allow-host), \
                come from its own page or an --allow-origin origin, and send JSON as application/json. Targets named \
                in requests never use this process's PGPASSWORD, ~/.pgpass, client certificates or service files.
                SIGTERM/SIGINT cancel a running migration, wait for its cleanup, then stop the server.
                """)

        @Option(help: "Source connection: postgresql:// URL or key=value string.")
        var source: String?

        @Option(help: "Address to listen on, HOST:PORT. Anything but loopback needs admin auth configured.")
        var listen: String = "127.0.0.1:8080"

        @Option(help: "Tables copied at once, unless a start request says otherwise.")
        var jobs: Int?

        @Flag(name: .customLong("no-auth"), help: "Serve the API without any auth (loopback addresses only).")
        var noAuth = false

        @Option(name: .customLong("allow-host"), help: ArgumentHelp(
            "A Host name the server answers to besides IP addresses, localhost and the listen host (repeat or comma-separate; * for any).",
            valueName: "name"))
        var allowHost: [String] = []

        @Option(name: .customLong("allow-origin"), help: ArgumentHelp(
            "A web origin allowed to call the API besides the server's own page, e.g. https://admin.example.com (repeat or comma-separate).",
            valueName: "origin"))
        var allowOrigin: [String] = []

        @Option(name: .customLong("allow-target-hosts"), help: ArgumentHelp(
            "Targets requests may name: comma-separated host names, IP addresses, networks (10.0.0.0/8), socket folders (/var/run/postgresql), or any. Default: any one host name or IP address, no sockets, no host lists.",
            valueName: "list"))
        var allowTargetHosts: String?

        @Option(help: "Seconds a test-connection, validate or plan request may take before it is cancelled (504).")
        var checkTimeout: Int = 900

        @Option(help: "Log level on stderr.")
        var logLevel: Logger.Level = .info

        func validate() throws {
            if let jobs, !(1...64).contains(jobs) { throw ValidationError("--jobs must be between 1 and 64, got \(jobs)") }
            if checkTimeout < 1 { throw ValidationError("--check-timeout must be at least 1 second, got \(checkTimeout)") }
            _ = try policy()
        }

        /// The Host, Origin and target-host rules from the options.
        func policy() throws -> ServerPolicy {
            let split = { (values: [String]) in
                values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let origins = split(allowOrigin)
            if let bad = origins.first(where: { !ServerPolicy.isOrigin($0) }) {
                throw ValidationError("--allow-origin \(bad.debugDescription) is not an origin: expected scheme://host[:port], e.g. https://admin.example.com")
            }
            var targets = TargetHostPolicy()
            if let allowTargetHosts {
                do { targets = try TargetHostPolicy(parsing: allowTargetHosts) } catch { throw ValidationError(error.message) }
            }
            return ServerPolicy(allowedHosts: split(allowHost), allowedOrigins: origins, targetHosts: targets,
                                checkTimeout: .seconds(checkTimeout))
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
            if let problem = auth.configurationProblem { throw CommandFailure(problem) }
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

            let server = FerryServer(source: sourceConfiguration, auth: auth, jobs: jobs, policy: try policy(), logger: logger)
            let services: ServiceGroup
            do {
                try server.checkExposure(host: address.host)
                // SIGTERM/SIGINT: the migration is cancelled and cleaned up, then the HTTP server stops.
                services = try server.serviceGroup(host: address.host, port: address.port, signals: [.sigterm, .sigint]) { port in
                    logger.notice("pgferry serving on http://\(ListenAddress(host: address.host, port: port)) (source \(sourceConfiguration.redactedDescription))")
                }
            } catch {
                throw CommandFailure(error.description)
            }
            try await services.run()
        }
    }
}
