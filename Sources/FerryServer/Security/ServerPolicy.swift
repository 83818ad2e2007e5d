import Foundation

/// What the server accepts besides credentials: the `Host` names it answers to (against DNS
/// rebinding), the page origins that may call the API (against cross-site requests), the target
/// hosts a request may name, and how many database checks run at once.
public struct ServerPolicy: Sendable {
    /// `Host` names accepted besides IP addresses, `localhost` and the listen host
    /// (`--allow-host`); `*` accepts any.
    public var allowedHosts: [String]
    /// Page origins allowed to call the API besides the server's own (`--allow-origin`), e.g.
    /// `https://admin.example.com`.
    public var allowedOrigins: [String]
    /// The host the server listens on, accepted as a `Host` name.
    public var listenHost: String?
    /// Which hosts a request may name as its target (`--allow-target-hosts`).
    public var targetHosts: TargetHostPolicy
    /// test-connection, validate and plan requests served at once; more are answered 429.
    public var maximumConcurrentChecks: Int
    /// How long one of those may take before it is cancelled and answered 504.
    public var checkTimeout: Duration

    public init(allowedHosts: [String] = [], allowedOrigins: [String] = [], listenHost: String? = nil,
                targetHosts: TargetHostPolicy = TargetHostPolicy(), maximumConcurrentChecks: Int = 4,
                checkTimeout: Duration = .seconds(900)) {
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
        self.allowedOrigins = allowedOrigins
        self.listenHost = listenHost
        self.targetHosts = targetHosts
        self.maximumConcurrentChecks = maximumConcurrentChecks
        self.checkTimeout = checkTimeout
    }

    func acceptsHost(_ name: HostName) -> Bool {
        if allowedHosts.contains("*") || name.isIPAddress || name.host == "localhost" { return true }
        if let listenHost, HostName(authority: listenHost)?.host == name.host { return true }
        return allowedHosts.contains { HostName(authority: $0)?.host == name.host }
    }

    func acceptsOrigin(_ origin: String, host: HostName?) -> Bool {
        if let parsed = WebOrigin(origin) {
            if let host, parsed.isSameOrigin(asHost: host) { return true }
            return allowedOrigins.contains { WebOrigin($0)?.matches(parsed) == true }
        }
        return false  // "null" (sandboxed frames, file: pages) and anything unparseable
    }
}

extension ServerPolicy {
    /// Whether `text` is a web origin (`scheme://host[:port]`), for checking `--allow-origin`.
    public static func isOrigin(_ text: String) -> Bool { WebOrigin(text) != nil }
}
