import Foundation

/// Who may call the migration API: a static admin token, Queen's HS256 JWTs, or (loopback only,
/// asked for explicitly) nobody checks at all.
public struct AdminAuth: Sendable {
    /// `PGFERRY_ADMIN_TOKEN`: `Authorization: Bearer <token>`.
    public var token: String?
    /// HS256 secret (`PGFERRY_JWT_SECRET`, or Queen's `JWT_SECRET` with `JWT_ENABLED=true`).
    public var jwtSecret: String?
    /// The role a JWT must carry in `role` or `roles` (Queen's `JWT_ROLE_ADMIN`, default `admin`).
    public var adminRole: String
    /// No check at all; refused on a non-loopback address.
    public var disabled: Bool

    public init(token: String? = nil, jwtSecret: String? = nil, adminRole: String = "admin", disabled: Bool = false) {
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.jwtSecret = jwtSecret.flatMap { $0.isEmpty ? nil : $0 }
        self.adminRole = adminRole
        self.disabled = disabled
    }

    /// Reads `PGFERRY_ADMIN_TOKEN`, `PGFERRY_JWT_SECRET`, and Queen's `JWT_ENABLED`/`JWT_SECRET`/`JWT_ROLE_ADMIN`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> AdminAuth {
        let queenJWT = ["true", "1", "yes"].contains(environment["JWT_ENABLED"]?.lowercased() ?? "")
        return AdminAuth(token: environment["PGFERRY_ADMIN_TOKEN"],
                         jwtSecret: environment["PGFERRY_JWT_SECRET"] ?? (queenJWT ? environment["JWT_SECRET"] : nil),
                         adminRole: environment["JWT_ROLE_ADMIN"] ?? "admin")
    }

    /// True when some credential is checked.
    public var isConfigured: Bool { !disabled && (token != nil || jwtSecret != nil) }

    /// RFC 7518 §3.2: an HS256 key has at least 256 bits (jwt-kit asserts it).
    public static let minimumJWTSecretBytes = 32

    /// What is wrong with the configured credentials, if anything; `serve` refuses to start with it.
    public var configurationProblem: String? {
        guard let jwtSecret, jwtSecret.utf8.count < Self.minimumJWTSecretBytes else { return nil }
        return "the JWT secret (PGFERRY_JWT_SECRET or JWT_SECRET) has \(jwtSecret.utf8.count) bytes; HS256 needs at least "
            + "\(Self.minimumJWTSecretBytes) (RFC 7518 §3.2), e.g. openssl rand -hex 32"
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        case unauthorized(String)
        case forbidden(String)
    }

    /// Checks an `Authorization` header value (`Bearer ` is optional, as in Queen).
    public func check(authorization: String?, now: Date = Date()) async -> Decision {
        if disabled { return .allowed }
        guard var credential = authorization?.trimmingCharacters(in: .whitespaces), !credential.isEmpty else {
            return .unauthorized("Authentication required: send Authorization: Bearer <admin token>")
        }
        if credential.lowercased().hasPrefix("bearer ") {
            credential = String(credential.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        if let token, StaticToken.matches(credential, token) { return .allowed }
        if let jwtSecret, credential.split(separator: ".", omittingEmptySubsequences: false).count == 3 {
            if let problem = configurationProblem { return .unauthorized("Invalid token: JWTs are refused, \(problem)") }
            do {
                let roles = try await AdminTokenVerifier(secret: jwtSecret).roles(of: credential, now: now)
                return roles.contains(adminRole) ? .allowed : .forbidden("Insufficient permissions: the \(adminRole) role is required")
            } catch {
                return .unauthorized(error.description)
            }
        }
        return .unauthorized("Invalid token")
    }

    /// Whether an address to listen on is on this machine only.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
