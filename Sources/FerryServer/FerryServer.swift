import Ferry
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// pgferry's HTTP server: Queen's migration API under `/api/v1/migration`, `/health`, and the
/// dashboard page at `/`. One migration at a time, driven by one `MigrationController`.
public struct FerryServer: Sendable {
    public let controller: MigrationController
    public let source: ConnectionConfiguration
    public let auth: AdminAuth
    /// Tables copied at once when a start request does not say (`jobs`).
    public var jobs: Int?
    /// Host, origin and target-host rules and limits.
    public var policy: ServerPolicy
    public let logger: Logger
    /// Closed by `MigrationService` when shutdown begins.
    let shutdown = ShutdownLatch()
    /// `GET /metrics`, this server's own registry.
    let metrics = ServerMetrics()

    public init(source: ConnectionConfiguration, auth: AdminAuth, controller: MigrationController? = nil, jobs: Int? = nil,
                policy: ServerPolicy = ServerPolicy(), logger: Logger = Logger(label: "pgferry.server")) {
        self.source = source
        self.auth = auth
        self.controller = controller ?? MigrationController(logger: logger)
        self.jobs = jobs
        self.policy = policy
        self.logger = logger
    }

    /// The routes: every one behind the Host check; the migration API and `/metrics` also behind
    /// the cross-site checks and admin auth; health and the page open.
    public func buildRouter() -> Router<FerryRequestContext> {
        let router = Router(context: FerryRequestContext.self)
        router.add(middleware: HostGuard(policy: policy))
        let controller = controller
        router.get("health") { _, _ in try JSONBody.response(HealthBody(migration: controller.status.status)) }
        router.get("/") { _, _ in DashboardPage.page() }
        router.get("migration") { _, _ in DashboardPage.page() }
        router.get("dashboard.css") { _, _ in DashboardPage.styleSheet() }
        router.get("dashboard.js") { _, _ in DashboardPage.script() }
        let metrics = metrics
        router.group("metrics")
            .add(middleware: CrossSiteGuard(policy: policy))
            .add(middleware: AdminAuthMiddleware(auth: auth))
            .get { _, _ in metrics.response(controller) }
        let api = router.group("api/v1/migration")
            .add(middleware: CrossSiteGuard(policy: policy))
            .add(middleware: AdminAuthMiddleware(auth: auth))
        let checks = CheckLimiter(limit: policy.maximumConcurrentChecks, timeout: policy.checkTimeout)
        MigrationRoutes(controller: controller, source: source, jobs: jobs, policy: policy, checks: checks, shutdown: shutdown,
                        metrics: metrics, logger: logger)
            .register(on: api)
        return router
    }

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Refuses to listen beyond loopback without credentials to check.
    public func checkExposure(host: String) throws(Refusal) {
        guard !AdminAuth.isLoopback(host) else { return }
        guard auth.isConfigured else {
            throw Refusal(description: "refusing to listen on \(host), which is not a loopback address, without admin auth: "
                + "set PGFERRY_ADMIN_TOKEN (or PGFERRY_JWT_SECRET), or listen on 127.0.0.1")
        }
    }

    /// The application on `host:port` (port 0: any free port, told to `onServerRunning`).
    public func application(host: String, port: Int,
                            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws(Refusal) -> some ApplicationProtocol {
        try checkExposure(host: host)
        var server = self
        if server.policy.listenHost == nil { server.policy.listenHost = host }
        return Application(
            router: server.buildRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "pgferry"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// The HTTP server and the migration as one service group. On graceful shutdown (one of
    /// `signals`, or `triggerGracefulShutdown()`) the migration is cancelled and its cleanup
    /// awaited first, while the API still answers status; then the HTTP server stops.
    public func serviceGroup(host: String, port: Int, signals: [UnixSignal] = [],
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws(Refusal) -> ServiceGroup {
        let app = try application(host: host, port: port, onServerRunning: onServerRunning)
        // Services shut down in reverse order: the migration before the HTTP server.
        return ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: MigrationService(controller: controller, shutdown: shutdown, logger: logger))],
            gracefulShutdownSignals: signals, logger: logger))
    }

    /// Serves until the task is cancelled or one of `signals` arrives, then cancels a running
    /// migration and waits for it to end.
    public func run(host: String, port: Int, signals: [UnixSignal] = [],
                    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await serviceGroup(host: host, port: port, signals: signals, onServerRunning: onServerRunning).run()
    }
}

/// `HOST:PORT`, `[v6]:PORT`, `HOST` or `:PORT` (defaults 127.0.0.1 and 8080).
public struct ListenAddress: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(BadRequest) {
        let accepted = "expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080"
        var host = "127.0.0.1"
        var portText: Substring? = nil
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw BadRequest("invalid listen address \(text.debugDescription): \(accepted)") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { portText = rest.dropFirst() } else if !rest.isEmpty {
                throw BadRequest("invalid listen address \(text.debugDescription): \(accepted)")
            }
        } else if let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
            if colon != text.startIndex { host = String(text[..<colon]) }
            portText = text[text.index(after: colon)...]
        } else if !text.isEmpty {
            host = text
        }
        var port = 8080
        if let portText {
            guard let number = Int(portText), (0...65535).contains(number) else {
                throw BadRequest("invalid port in listen address \(text.debugDescription): \(accepted)")
            }
            port = number
        }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Where the server's own database is: `--source URL`, else Queen's `PG_HOST`, `PG_PORT`, `PG_DB`,
/// `PG_USER`, `PG_PASSWORD`, `PG_USE_SSL`, else libpq's `PG*` variables (an empty configuration).
public enum SourceSettings {
    public static func configuration(url: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> ConnectionConfiguration {
        if let url, !url.isEmpty { return try ConnectionConfiguration(url: url) }
        let queen: [(String, String)] = [("PG_HOST", "host"), ("PG_PORT", "port"), ("PG_DB", "dbname"), ("PG_USER", "user"),
                                         ("PG_PASSWORD", "password")]
        var parameters: [ConnectionConfiguration.Parameter] = []
        for (variable, keyword) in queen {
            if let value = environment[variable], !value.isEmpty { parameters.append(.init(keyword, value)) }
        }
        if let ssl = environment["PG_USE_SSL"]?.lowercased(), !ssl.isEmpty {
            parameters.append(.init("sslmode", ["true", "1", "yes"].contains(ssl) ? "require" : "disable"))
        }
        return ConnectionConfiguration(parameters)
    }
}
