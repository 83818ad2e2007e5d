import CLibPQ
import Foundation

/// libpq connection parameters as keyword/value pairs.
///
/// They reach libpq through `PQconnectdbParams`, never as an assembled string, so no value
/// needs quoting. Parameters left out fall back to libpq's own defaults (the `PG*` environment
/// variables, then the compiled-in ones).
public struct ConnectionConfiguration: Sendable, Hashable {
    public struct Parameter: Sendable, Hashable {
        public var keyword: String
        public var value: String
        public init(_ keyword: String, _ value: String) {
            self.keyword = keyword
            self.value = value
        }
    }

    public private(set) var parameters: [Parameter]

    /// Keywords libpq accepts, for the error that lists them.
    public static let commonKeywords = ["host", "hostaddr", "port", "dbname", "user", "password", "sslmode",
                                        "sslrootcert", "connect_timeout", "application_name", "options"]

    public init(_ parameters: [Parameter] = []) {
        self.parameters = []
        for parameter in parameters { self[parameter.keyword] = parameter.value }
    }

    /// Parses a `postgresql://` URI or a `key=value` connection string with libpq's own parser.
    ///
    /// The corresponding libpq function is `PQconninfoParse`.
    public init(url: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PGError(code: .invalidConfiguration,
                          message: "invalid connection URL: \(reason). Accepted: postgresql://user@host:port/dbname?sslmode=… or key=value pairs",
                          redacting: Self.passwordInURL(url).map { [$0] } ?? [])
        }
        defer { PQconninfoFree(options) }
        var parsed: [Parameter] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                parsed.append(Parameter(String(cString: keyword), String(cString: value)))
            }
            option += 1
        }
        self.init(parsed)
    }

    public subscript(keyword: String) -> String? {
        get { parameters.first { $0.keyword == keyword }?.value }
        set {
            parameters.removeAll { $0.keyword == keyword }
            if let newValue { parameters.append(Parameter(keyword, newValue)) }
        }
    }

    /// What to print about this connection: host, port, database and user, never the password.
    public var redactedDescription: String {
        let host = self["host"] ?? self["hostaddr"] ?? Environment.value("PGHOST") ?? "localhost"
        let port = self["port"] ?? Environment.value("PGPORT") ?? "5432"
        let user = self["user"] ?? Environment.value("PGUSER")
        let database = self["dbname"] ?? Environment.value("PGDATABASE") ?? user ?? "?"
        return "\(user.map { "\($0)@" } ?? "")\(host):\(port)/\(database)"
    }

    /// The parameters handed to libpq: ours plus pgferry's defaults. TCP keepalives and
    /// `tcp_user_timeout` make a dead network an error in about 30 s instead of never; a URL
    /// (or `PGTCPUSERTIMEOUT`) that sets them wins.
    var effectiveParameters: [Parameter] {
        var effective = self
        let defaults: [(keyword: String, environment: String?, value: String)] = [
            ("application_name", nil, "pgferry"),
            ("connect_timeout", "PGCONNECT_TIMEOUT", "10"),
            ("keepalives", nil, "1"),
            ("keepalives_idle", nil, "10"),
            ("keepalives_interval", nil, "5"),
            ("keepalives_count", nil, "3"),
            ("tcp_user_timeout", "PGTCPUSERTIMEOUT", "30000"),
        ]
        for (keyword, variable, value) in defaults where effective[keyword] == nil {
            if let variable, Environment.value(variable) != nil { continue }
            effective[keyword] = value
        }
        return effective.parameters
    }

    /// How long one step of connection setup may go without an answer: `connect_timeout`
    /// (libpq ignores it when the connection is set up without blocking); nil for 0, no limit.
    var connectTimeout: Duration? {
        let text = self["connect_timeout"] ?? Environment.value("PGCONNECT_TIMEOUT") ?? "10"
        let seconds = Int(text.trimmingCharacters(in: .whitespaces)) ?? 10
        return seconds <= 0 ? nil : .seconds(max(seconds, 2))
    }

    /// Strings that must never appear in a message about this connection.
    var secrets: [String] {
        [self["password"], Environment.value("PGPASSWORD")].compactMap { $0 }.filter { $0.count >= 1 }
    }

    /// `text` on one line with this connection's secrets replaced by `********`, whatever
    /// produced it: what `PGError` does to the messages it carries.
    public func redacting(_ text: String) -> String { PGError.redact(text, secrets) }

    /// The `password` component of a `scheme://user:password@host` URL, found without parsing.
    static func passwordInURL(_ url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@"),
              let colon = authority[..<at].firstIndex(of: ":") else { return nil }
        let password = authority[authority.index(after: colon)..<at]
        return password.isEmpty ? nil : String(password)
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}
