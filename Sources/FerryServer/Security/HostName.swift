import Ferry
import Foundation

/// The host and port of a `Host` header or an origin's authority (`name`, `name:port`,
/// `[v6]:port`), lower-cased, without a trailing dot.
struct HostName: Equatable {
    var host: String
    var port: Int?

    init?(authority: String) {
        var text = Substring(authority.lowercased())
        var port: Int?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            text = text[text.index(after: text.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].allSatisfy(\.isNumber) {
            guard let number = Int(text[text.index(after: colon)...]) else { return nil }
            port = number
            text = text[..<colon]
        }
        while text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty else { return nil }
        self.host = String(text)
        self.port = port
    }

    /// An IP address cannot be rebound: only a DNS name can point at one server today and at
    /// this one tomorrow.
    var isIPAddress: Bool { ConnectionConfiguration.isIPAddress(host) }
}

/// A page's origin, `scheme://host[:port]`, as browsers send it in `Origin`.
struct WebOrigin: Equatable {
    var scheme: String
    var hostName: HostName

    init?(_ text: String) {
        guard let separator = text.range(of: "://") else { return nil }
        scheme = text[..<separator.lowerBound].lowercased()
        let authority = text[separator.upperBound...]
        guard !authority.contains("/"), let hostName = HostName(authority: String(authority)) else { return nil }
        self.hostName = hostName
    }

    var effectivePort: Int? { hostName.port ?? (scheme == "http" ? 80 : scheme == "https" ? 443 : nil) }

    /// The same origin, default ports spelt out or not.
    func matches(_ other: WebOrigin) -> Bool {
        scheme == other.scheme && hostName.host == other.hostName.host && effectivePort == other.effectivePort
    }

    /// Same origin as the server reached at `host`: same name, and the same port (a Host
    /// without one matches the scheme's default port, as behind a proxy). The scheme does not
    /// matter: whatever answers https on that name and port is this server or its proxy.
    func isSameOrigin(asHost host: HostName) -> Bool {
        guard hostName.host == host.host, scheme == "http" || scheme == "https" else { return false }
        return host.port.map { $0 == effectivePort } ?? (hostName.port == nil)
    }

    var description: String { "\(scheme)://\(hostName.host.contains(":") ? "[\(hostName.host)]" : hostName.host)\(hostName.port.map { ":\($0)" } ?? "")" }
}
