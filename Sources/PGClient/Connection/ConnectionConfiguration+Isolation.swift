import CLibPQ
import Foundation

/// Connections to hosts named by someone else (an HTTP request) must not carry this process's own
/// libpq defaults: its `PGPASSWORD`, `~/.pgpass`, client certificate, Kerberos ticket or service
/// file would go to whatever host the request names.
///
/// libpq fills every keyword left unset from its environment variable, then from its compiled
/// default, and some from files in the home folder. An empty value does not stop that:
/// `PQconnectdbParams` skips empty values, and for `passfile`, `sslcert` or `options` an empty
/// value means "use the default" anyway. So every keyword that has an environment variable gets an
/// explicit, non-empty value here; where none can neutralise it and the variable is set, the
/// connection is refused rather than silently inheriting it.
extension ConnectionConfiguration {
    /// One of libpq's connection keywords, as `PQconndefaults` describes it.
    package struct LibpqKeyword: Sendable, Equatable {
        package var keyword: String
        package var environmentVariable: String?
        package var compiledDefault: String?

        package init(_ keyword: String, environmentVariable: String?, compiledDefault: String?) {
            self.keyword = keyword
            self.environmentVariable = environmentVariable
            self.compiledDefault = compiledDefault
        }
    }

    /// A path no file can be at (`/nonexistent` is not created on any distribution we know of);
    /// libpq looks for these files and quietly goes on without them when they are missing.
    package static let absentFolder = "/nonexistent/pgferry-isolated"

    /// This configuration with every libpq default that comes from this process's environment or
    /// home folder replaced by an explicit value (see the type's note).
    ///
    /// - `password`: never taken from `PGPASSWORD`, `passfile` or a service file. Left unset
    ///   (libpq then answers "no password supplied") unless `PGPASSWORD` is set: `PQconnectdbParams`
    ///   cannot express "no password" then, so a random one-off value stands in for it.
    /// - `passfile`, `sslcert`, `sslkey`, `sslcrldir`, `servicefile`: paths that do not exist.
    /// - `sslrootcert`, `sslcrl`: libpq's own defaults under `~/.postgresql`, so `verify-ca`/`verify-full`
    ///   still find the operator's trusted roots (trust anchors, not credentials).
    /// - `gssencmode=disable`, and with libpq 16+ `sslcertmode=disable` and `require_auth`: no
    ///   Kerberos ticket or client certificate is offered; without a password the server may not ask
    ///   for any authentication, with one it may not use GSS/SSPI, nor cleartext `password` unless the
    ///   server's certificate is verified.
    /// - `options`: a single space (no settings), so `PGOPTIONS` does not apply.
    /// - `hostaddr`: the host itself when it is an IP address, so `PGHOSTADDR` cannot redirect it.
    ///
    /// - Throws: `PGError.Code.invalidConfiguration` when the environment sets something that no
    ///   explicit value can override for this connection (`PGSERVICE`; `PGHOSTADDR` with a host name;
    ///   a variable of a keyword this code does not know), naming the variable.
    ///
    /// The corresponding libpq function is `PQconndefaults`.
    public func isolatedFromEnvironment() throws(PGError) -> ConnectionConfiguration {
        try isolated(keywords: Self.libpqKeywords(), environment: Environment.value)
    }

    /// The keywords this libpq knows, with their environment variables and compiled defaults.
    package static func libpqKeywords() throws(PGError) -> [LibpqKeyword] {
        guard let options = PQconndefaults() else {
            throw PGError(code: .invalidConfiguration, message: "could not read libpq's connection defaults (out of memory)")
        }
        defer { PQconninfoFree(options) }
        var keywords: [LibpqKeyword] = []
        var option = options
        while let keyword = option.pointee.keyword {
            keywords.append(LibpqKeyword(String(cString: keyword),
                                         environmentVariable: option.pointee.envvar.map { String(cString: $0) },
                                         compiledDefault: option.pointee.compiled.map { String(cString: $0) }))
            option += 1
        }
        return keywords
    }

    /// The rule of `isolatedFromEnvironment()`, with libpq's keywords and the environment given
    /// (tests pass their own). The keywords tell what this libpq supports (`require_auth` and
    /// `sslcertmode` from 16 on).
    package func isolated(keywords: [LibpqKeyword], environment: (String) -> String?) throws(PGError) -> ConnectionConfiguration {
        var isolated = self
        let home = Self.homeFolder(environment)
        // An empty value counts as unset: PQconnectdbParams skips it and falls back to the environment.
        for option in keywords where (self[option.keyword] ?? "").isEmpty {
            isolated[option.keyword] = nil
            let variable = option.environmentVariable
            let isSet = variable.flatMap(environment) != nil
            switch option.keyword {
            case "password":
                // Only PGPASSWORD needs a stand-in; the files are switched off below.
                if isSet { isolated["password"] = "pgferry-no-password-" + UUID().uuidString }
            case "service":
                if isSet { throw Self.cannotIsolate(variable, "a service file may fill in any connection setting") }
            case "hostaddr":
                if let host = self["host"], Self.isIPAddress(host) {
                    isolated["hostaddr"] = host
                } else if isSet {
                    throw Self.cannotIsolate(variable, "it would redirect a connection to a host name elsewhere")
                }
            case "require_auth":
                isolated["require_auth"] = self.requiredAuthentication
            default:
                if let neutral = Self.neutralValue(option.keyword, home: home) {
                    isolated[option.keyword] = neutral
                } else if let compiled = option.compiledDefault, !compiled.isEmpty {
                    isolated[option.keyword] = compiled
                } else if isSet && !Self.onlyRestricting.contains(option.keyword) {
                    throw Self.cannotIsolate(variable, "pgferry has no neutral value for \(option.keyword)")
                }
            }
        }
        return isolated
    }

    /// libpq 16+'s `require_auth` for a request target: no password given, no authentication at
    /// all; with one, no Kerberos/SSPI (ambient tickets), and no cleartext password unless the
    /// server's certificate is checked.
    package var requiredAuthentication: String {
        guard let password = self["password"], !password.isEmpty else { return "none" }
        let verified = ["verify-ca", "verify-full"].contains(self["sslmode"] ?? "")
        return verified ? "!gss,!sspi" : "!password,!gss,!sspi"
    }

    /// Explicit values that behave like "not set", for keywords whose empty value means a default.
    private static func neutralValue(_ keyword: String, home: String?) -> String? {
        switch keyword {
        case "passfile": "\(absentFolder)/pgpass"
        case "sslcert": "\(absentFolder)/postgresql.crt"
        case "sslkey": "\(absentFolder)/postgresql.key"
        case "sslcrldir": "\(absentFolder)/crl"
        case "servicefile": "\(absentFolder)/pg_service.conf"
        case "sslrootcert": home.map { "\($0)/.postgresql/root.crt" } ?? "\(absentFolder)/root.crt"
        case "sslcrl": home.map { "\($0)/.postgresql/root.crl" } ?? "\(absentFolder)/root.crl"
        case "gssencmode": "disable"
        case "sslcertmode": "disable"  // libpq 16+: never offer a client certificate
        // The backend splits options on white space: one space is no setting at all.
        case "options": " "
        case "application_name": "pgferry"
        case "connect_timeout": "10"
        case "client_encoding": "UTF8"
        case "ssl_max_protocol_version": "TLSv1.3"
        default: nil
        }
    }

    /// Keywords whose variables can only make a connection stricter (`requirepeer` for Unix
    /// sockets) or mean nothing here (`gsslib` is Windows-only).
    private static let onlyRestricting: Set<String> = ["requirepeer", "gsslib"]

    private static func cannotIsolate(_ variable: String?, _ reason: String) -> PGError {
        PGError(code: .invalidConfiguration,
                message: "the server's environment sets \(variable ?? "a libpq variable"), which libpq would apply to a "
                    + "connection named by a request (\(reason)); unset it for the server (give the server's own "
                    + "database as a URL instead)")
    }

    /// libpq's home folder: `HOME`, else the password database.
    private static func homeFolder(_ environment: (String) -> String?) -> String? {
        if let home = environment("HOME"), !home.isEmpty { return home }
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }

    /// Whether `host` is one IPv4 or IPv6 address (not a name, a list or a socket path).
    package static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
