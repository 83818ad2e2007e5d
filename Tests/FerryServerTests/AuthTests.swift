import Crypto
import Ferry
@testable import FerryServer
import Foundation
import Hummingbird
import JWTKit
import Testing

/// Mints HS256 (or other) JWTs with jwt-kit, with any claims, of any JSON type.
enum TestToken {
    struct Claims: JWTPayload {
        var claims: [String: JSONValue]
        init(_ claims: [String: JSONValue]) { self.claims = claims }
        init(from decoder: any Decoder) throws { claims = try [String: JSONValue](from: decoder) }
        func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static let inAnHour = JSONValue.number(Date().timeIntervalSince1970 + 3600)
    /// 64 bytes: long enough for HS256 and HS512 (jwt-kit asserts a key of the hash's size).
    static let secret = "queen-secret-0123456789abcdef-0123456789abcdef-0123456789abcdef-0"

    static func mint(_ claims: [String: JSONValue], secret: String, digest: DigestAlgorithm = .sha256) async throws -> String {
        try await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: digest).sign(Claims(claims))
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

@Suite("Admin auth")
struct AuthTests {
    @Test func staticToken() async {
        let auth = AdminAuth(token: "abc123")
        #expect(await auth.check(authorization: "Bearer abc123") == .allowed)
        #expect(await auth.check(authorization: "bearer abc123") == .allowed)
        #expect(await auth.check(authorization: "abc123") == .allowed)  // Queen: the prefix is optional
        #expect(await auth.check(authorization: nil) == .unauthorized("Authentication required: send Authorization: Bearer <admin token>"))
        #expect(await auth.check(authorization: "Bearer ") == .unauthorized("Invalid token"))
        #expect(await auth.check(authorization: "Bearer abc1234") == .unauthorized("Invalid token"))
        #expect(await auth.check(authorization: "Bearer abc12") == .unauthorized("Invalid token"))
        #expect(await auth.check(authorization: "Bearer ABC123") == .unauthorized("Invalid token"))
        #expect(await AdminAuth(disabled: true).check(authorization: nil) == .allowed)
        #expect(AdminAuth(token: "").isConfigured == false)
    }

    @Test func staticTokenComparisonIsByValueOnly() {
        #expect(StaticToken.matches("token", "token"))
        #expect(!StaticToken.matches("tokeN", "token"))
        #expect(!StaticToken.matches("token2", "token"))
        #expect(!StaticToken.matches("", "x"))
        #expect(StaticToken.matches("ünïcødé", "ünïcødé"))
    }

    @Test func jwtRoles() async throws {
        let secret = TestToken.secret
        let auth = AdminAuth(jwtSecret: secret)
        let exp = TestToken.inAnHour
        let admin = try await TestToken.mint(["sub": .string("ops"), "role": .string("admin"), "exp": exp], secret: secret)
        let adminInList = try await TestToken.mint(["roles": .array([.string("read-write"), .string("admin")]), "exp": exp], secret: secret)
        let reader = try await TestToken.mint(["role": .string("read-only"), "exp": exp], secret: secret)
        let forged = try await TestToken.mint(["role": .string("admin"), "exp": exp], secret: String(secret.reversed()))
        #expect(await auth.check(authorization: "Bearer \(admin)") == .allowed)
        #expect(await auth.check(authorization: "Bearer \(adminInList)") == .allowed)
        #expect(await auth.check(authorization: "Bearer \(reader)") == .forbidden("Insufficient permissions: the admin role is required"))
        #expect(await auth.check(authorization: "Bearer \(forged)") == .unauthorized("Invalid token: bad signature"))
        // A custom admin role name, as Queen's JWT_ROLE_ADMIN.
        let custom = AdminAuth(jwtSecret: secret, adminRole: "superuser")
        #expect(await custom.check(authorization: admin) == .forbidden("Insufficient permissions: the superuser role is required"))
    }

    @Test func jwtTimes() async throws {
        let secret = TestToken.secret
        let auth = AdminAuth(jwtSecret: secret)
        let now = Date().timeIntervalSince1970
        func check(_ claims: [String: JSONValue]) async throws -> AdminAuth.Decision {
            await auth.check(authorization: "Bearer " + (try await TestToken.mint(claims, secret: secret)))
        }
        let role: [String: JSONValue] = ["role": .string("admin")]
        #expect(try await check(role) == .unauthorized("Invalid token: the exp claim is required (the expiry time, in seconds since 1970)"))
        #expect(try await check(role.merging(["exp": .number(now - 3600)]) { $1 }) == .unauthorized("Invalid token: expired"))
        #expect(try await check(role.merging(["exp": .number(now - 60)]) { $1 }) == .unauthorized("Invalid token: expired"))
        // 30 s of clock skew either way.
        #expect(try await check(role.merging(["exp": .number(now - 10)]) { $1 }) == .allowed)
        #expect(try await check(role.merging(["exp": .number(now + 3600), "nbf": .number(now + 10)]) { $1 }) == .allowed)
        #expect(try await check(role.merging(["exp": .number(now + 7200), "nbf": .number(now + 3600)]) { $1 })
            == .unauthorized("Invalid token: not yet valid"))
        #expect(try await check(role.merging(["exp": .number(1e300)]) { $1 }) == .allowed)
    }

    @Test func jwtClaimsAreStrictlyTyped() async throws {
        let secret = TestToken.secret
        let auth = AdminAuth(jwtSecret: secret)
        let base: [String: JSONValue] = ["role": .string("admin"), "exp": TestToken.inAnHour]
        func check(_ changes: [String: JSONValue]) async throws -> AdminAuth.Decision {
            await auth.check(authorization: "Bearer " + (try await TestToken.mint(base.merging(changes) { $1 }, secret: secret)))
        }
        let number = "a number (seconds since 1970)"
        #expect(try await check(["exp": .string("9999999999")]) == .unauthorized("Invalid token: claim exp must be \(number), got a string"))
        #expect(try await check(["exp": .null]) == .unauthorized("Invalid token: claim exp must be \(number), got null"))
        #expect(try await check(["nbf": .string("0")]) == .unauthorized("Invalid token: claim nbf must be \(number), got a string"))
        #expect(try await check(["iat": .bool(true)]) == .unauthorized("Invalid token: claim iat must be \(number), got a boolean"))
        #expect(try await check(["role": .array([.string("admin")])]) == .unauthorized("Invalid token: claim role must be a string, got an array"))
        #expect(try await check(["role": .number(1)]) == .unauthorized("Invalid token: claim role must be a string, got a number"))
        #expect(try await check(["role": .null, "roles": .string("admin")])
            == .unauthorized("Invalid token: claim role must be a string, got null"))
        #expect(try await check(["roles": .string("admin")]) == .unauthorized("Invalid token: claim roles must be an array of strings, got a string"))
        #expect(try await check(["roles": .array([.number(1), .string("admin")])])
            == .unauthorized("Invalid token: claim roles must be an array of strings, got an array holding a number"))
        #expect(try await check(["iat": .number(Date().timeIntervalSince1970)]) == .allowed)
    }

    @Test func jwtAlgorithmAndShape() async throws {
        let secret = TestToken.secret
        let auth = AdminAuth(jwtSecret: secret)
        let admin = try await TestToken.mint(["role": .string("admin"), "exp": TestToken.inAnHour], secret: secret)
        let parts = admin.split(separator: ".")
        // alg "none" with the signature stripped, and a token signed with another HMAC: refused.
        let none = TestToken.base64URL(#"{"alg":"none"}"#) + "." + parts[1] + "."
        #expect(await auth.check(authorization: "Bearer \(none)") == .unauthorized("Invalid token: algorithm \"none\" is not accepted (HS256 only)"))
        let noAlg = TestToken.base64URL(#"{"typ":"JWT"}"#) + "." + parts[1] + "." + parts[2]
        #expect(await auth.check(authorization: "Bearer \(noAlg)") == .unauthorized("Invalid token: algorithm \"none\" is not accepted (HS256 only)"))
        let hs512 = try await TestToken.mint(["role": .string("admin"), "exp": TestToken.inAnHour], secret: secret, digest: .sha512)
        #expect(await auth.check(authorization: "Bearer \(hs512)") == .unauthorized("Invalid token: algorithm \"HS512\" is not accepted (HS256 only)"))
        #expect(await auth.check(authorization: "Bearer a.b.c") == .unauthorized("Invalid token: not a JWT"))
        // A payload that is not a JSON object, correctly signed.
        let array = TestToken.base64URL(#"{"alg":"HS256"}"#) + "." + TestToken.base64URL("[1]")
        let signature = HMAC<SHA256>.authenticationCode(for: Data(array.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let arrayToken = array + "." + Data(signature).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(await auth.check(authorization: "Bearer \(arrayToken)") == .unauthorized("Invalid token: not a JWT"))
        // Without a JWT secret, a JWT is just a wrong static token.
        #expect(await AdminAuth(token: "t").check(authorization: "Bearer \(admin)") == .unauthorized("Invalid token"))
    }

    @Test func shortJWTSecretsAreRefused() async throws {
        let short = AdminAuth(token: "t", jwtSecret: "queen-secret")
        #expect(short.configurationProblem?.contains("has 12 bytes; HS256 needs at least 32") == true)
        #expect(AdminAuth(jwtSecret: TestToken.secret).configurationProblem == nil)
        let token = TestToken.base64URL(#"{"alg":"HS256"}"#) + "." + TestToken.base64URL(#"{"role":"admin"}"#) + ".c2ln"
        let decision = await short.check(authorization: "Bearer \(token)")
        #expect(decision == .unauthorized("Invalid token: JWTs are refused, \(short.configurationProblem!)"))
        #expect(await short.check(authorization: "Bearer t") == .allowed)
    }

    @Test func environment() {
        let auth = AdminAuth.fromEnvironment(["JWT_ENABLED": "true", "JWT_SECRET": "s", "PGFERRY_ADMIN_TOKEN": "t"])
        #expect(auth.token == "t" && auth.jwtSecret == "s" && auth.isConfigured)
        #expect(AdminAuth.fromEnvironment(["JWT_SECRET": "s"]).jwtSecret == nil)  // Queen's secret counts only with JWT_ENABLED
        #expect(AdminAuth.fromEnvironment([:]).isConfigured == false)
        #expect(AdminAuth.fromEnvironment(["JWT_ROLE_ADMIN": "boss"]).adminRole == "boss")
    }

    @Test func refusesPublicAddressesWithoutAuth() throws {
        for host in ["127.0.0.1", "127.3.4.5", "localhost", "::1"] { #expect(AdminAuth.isLoopback(host), "\(host)") }
        for host in ["0.0.0.0", "::", "10.0.0.1", "example.com", "127.0.0.1.example.com"] { #expect(!AdminAuth.isLoopback(host), "\(host)") }
        let open = FerryServer(source: .init(), auth: AdminAuth())
        #expect(throws: FerryServer.Refusal.self) { try open.checkExposure(host: "0.0.0.0") }
        let disabled = FerryServer(source: .init(), auth: AdminAuth(disabled: true))
        #expect(throws: FerryServer.Refusal.self) { try disabled.checkExposure(host: "0.0.0.0") }
        try open.checkExposure(host: "127.0.0.1")
        try FerryServer(source: .init(), auth: AdminAuth(token: "t")).checkExposure(host: "0.0.0.0")
    }

    @Test func routesAnswer401And403() async throws {
        let server = FerryServer(source: .init(), auth: AdminAuth(token: "tok", jwtSecret: TestToken.secret))
        let client = RouteClient(server: server, token: nil)
        let none = try await client.send(.get, "/api/v1/migration/status")
        #expect(none.status == .unauthorized)
        #expect(none.error.hasPrefix("Authentication required"))
        #expect(none.headers[.wwwAuthenticate] == "Bearer")
        let wrong = try await client.send(.post, "/api/v1/migration/start", body: "{}", authorization: "Bearer tok2")
        #expect(wrong.status == .unauthorized)
        let reader = try await TestToken.mint(["role": .string("read-only"), "exp": TestToken.inAnHour], secret: TestToken.secret)
        let forbidden = try await client.send(.post, "/api/v1/migration/reset", authorization: "Bearer \(reader)")
        #expect(forbidden.status == .forbidden)
        #expect(forbidden.error == "Insufficient permissions: the admin role is required")
        let noExpiry = try await TestToken.mint(["role": .string("admin")], secret: TestToken.secret)
        let unexpiring = try await client.send(.post, "/api/v1/migration/reset", authorization: "Bearer \(noExpiry)")
        #expect(unexpiring.status == .unauthorized)
        #expect(unexpiring.error.contains("exp claim is required"))
        for path in ["status", "plan"] {
            #expect(try await client.send(.get, "/api/v1/migration/\(path)").status == .unauthorized)
        }
        for path in ["test-connection", "start", "validate", "reset", "cancel"] {
            #expect(try await client.send(.post, "/api/v1/migration/\(path)", body: "{}").status == .unauthorized)
        }
        let ok = try await client.send(.get, "/api/v1/migration/status", authorization: "Bearer tok")
        #expect(ok.status == .ok)
        let jwt = try await TestToken.mint(["roles": .array([.string("admin")]), "exp": TestToken.inAnHour], secret: TestToken.secret)
        #expect(try await client.send(.post, "/api/v1/migration/reset", authorization: "Bearer \(jwt)").status == .ok)
        #expect(try await client.send(.get, "/health").status == .ok)
        #expect(try await client.send(.get, "/").status == .ok)
    }
}

@Suite("Settings")
struct SettingsTests {
    @Test func listenAddress() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(try ListenAddress(parsing: "localhost:0") == ListenAddress(host: "localhost", port: 0))
        #expect(try ListenAddress(parsing: "[::1]:9000") == ListenAddress(host: "::1", port: 9000))
        #expect(try ListenAddress(parsing: ":9001") == ListenAddress(host: "127.0.0.1", port: 9001))
        #expect(try ListenAddress(parsing: "127.0.0.2") == ListenAddress(host: "127.0.0.2", port: 8080))
        #expect(throws: BadRequest.self) { try ListenAddress(parsing: "127.0.0.1:http") }
        #expect(throws: BadRequest.self) { try ListenAddress(parsing: "127.0.0.1:70000") }
    }

    @Test func sourceFromQueenVariables() throws {
        let queen = try SourceSettings.configuration(url: nil, environment: [
            "PG_HOST": "db", "PG_PORT": "6432", "PG_DB": "queen", "PG_USER": "q", "PG_PASSWORD": "p w'd", "PG_USE_SSL": "true",
        ])
        #expect(queen["host"] == "db" && queen["port"] == "6432" && queen["dbname"] == "queen" && queen["user"] == "q")
        #expect(queen["password"] == "p w'd" && queen["sslmode"] == "require")
        #expect(try SourceSettings.configuration(url: nil, environment: ["PG_USE_SSL": "false"])["sslmode"] == "disable")
        // Nothing set: libpq's own PG* variables apply.
        #expect(try SourceSettings.configuration(url: nil, environment: [:]).parameters.isEmpty)
        let url = try SourceSettings.configuration(url: "postgresql://u@h:5433/d", environment: ["PG_HOST": "ignored"])
        #expect(url["host"] == "h" && url["port"] == "5433")
    }

    @Test func targetFieldsBecomeKeywordValuePairs() throws {
        func target(_ object: [String: JSONValue]) throws -> [String: String] {
            Dictionary(uniqueKeysWithValues: try RequestFields(object: object).target().parameters.map { ($0.keyword, $0.value) })
        }
        let base: [String: JSONValue] = ["host": .string("h"), "database": .string("d"), "user": .string("u")]
        #expect(try target(base) == ["host": "h", "port": "5432", "dbname": "d", "user": "u", "sslmode": "disable"])
        #expect(try target(base.merging(["port": .string("6543"), "ssl": .bool(true), "password": .string("a b")]) { $1 })
            == ["host": "h", "port": "6543", "dbname": "d", "user": "u", "password": "a b", "sslmode": "require"])
        #expect(try target(base.merging(["ssl": .bool(true), "sslmode": .string("verify-full")]) { $1 })["sslmode"] == "verify-full")
        #expect(try target(base.merging(["port": .number(7000)]) { $1 })["port"] == "7000")
        #expect(throws: BadRequest("port must be a number from 1 to 65535, got 70000.0")) {
            try target(base.merging(["port": .number(70000)]) { $1 })
        }
        #expect(throws: BadRequest("ssl must be true or false, got a number")) { try target(base.merging(["ssl": .number(1)]) { $1 }) }
    }
}
