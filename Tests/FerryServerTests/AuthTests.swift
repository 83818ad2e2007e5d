import Ferry
@testable import FerryServer
import Hummingbird
import Foundation
import Testing

@Suite("Admin auth")
struct AuthTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func sha256MatchesFIPSVectors() {
        #expect(Self.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hmacMatchesRFC4231() {
        // Test cases 1, 2 and 6 (a key longer than the block).
        #expect(Self.hex(SHA256.hmac(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(Self.hex(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(Self.hex(SHA256.hmac(key: [UInt8](repeating: 0xaa, count: 131),
                                     message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEqual(Array("token".utf8), Array("token".utf8)))
        #expect(!constantTimeEqual(Array("token".utf8), Array("tokeN".utf8)))
        #expect(!constantTimeEqual(Array("token".utf8), Array("token2".utf8)))
        #expect(!constantTimeEqual(Array("".utf8), Array("x".utf8)))
    }

    @Test func staticToken() {
        let auth = AdminAuth(token: "abc123")
        #expect(auth.check(authorization: "Bearer abc123") == .allowed)
        #expect(auth.check(authorization: "bearer abc123") == .allowed)
        #expect(auth.check(authorization: "abc123") == .allowed)  // Queen: the prefix is optional
        #expect(auth.check(authorization: nil) == .unauthorized("Authentication required: send Authorization: Bearer <admin token>"))
        #expect(auth.check(authorization: "Bearer ") == .unauthorized("Invalid token"))
        #expect(auth.check(authorization: "Bearer abc1234") == .unauthorized("Invalid token"))
        #expect(AdminAuth(disabled: true).check(authorization: nil) == .allowed)
        #expect(AdminAuth(token: "").isConfigured == false)
    }

    @Test func jwtRoles() {
        let auth = AdminAuth(jwtSecret: "queen-secret")
        let admin = HS256Verifier.sign(payload: ["sub": "ops", "role": "admin"], secret: "queen-secret")
        let adminInList = HS256Verifier.sign(payload: ["sub": "ops", "roles": ["read-write", "admin"]], secret: "queen-secret")
        let reader = HS256Verifier.sign(payload: ["sub": "dev", "role": "read-only"], secret: "queen-secret")
        let forged = HS256Verifier.sign(payload: ["sub": "x", "role": "admin"], secret: "other-secret")
        let expired = HS256Verifier.sign(payload: ["role": "admin", "exp": Date().timeIntervalSince1970 - 3600], secret: "queen-secret")
        let later = HS256Verifier.sign(payload: ["role": "admin", "nbf": Date().timeIntervalSince1970 + 3600], secret: "queen-secret")
        #expect(auth.check(authorization: "Bearer \(admin)") == .allowed)
        #expect(auth.check(authorization: "Bearer \(adminInList)") == .allowed)
        #expect(auth.check(authorization: "Bearer \(reader)") == .forbidden("Insufficient permissions: the admin role is required"))
        #expect(auth.check(authorization: "Bearer \(forged)") == .unauthorized("Invalid token: bad signature"))
        #expect(auth.check(authorization: "Bearer \(expired)") == .unauthorized("Invalid token: expired"))
        #expect(auth.check(authorization: "Bearer \(later)") == .unauthorized("Invalid token: not yet valid"))
        // alg "none" with the signature stripped is refused.
        let parts = admin.split(separator: ".")
        let none = HS256Verifier.base64URLEncode(Array(#"{"alg":"none"}"#.utf8)) + "." + parts[1] + "."
        #expect(auth.check(authorization: "Bearer \(none)") == .unauthorized("Invalid token: algorithm \"none\" is not accepted (HS256 only)"))
        #expect(auth.check(authorization: "Bearer a.b.c") == .unauthorized("Invalid token: not a JWT"))
        // A custom admin role name, as Queen's JWT_ROLE_ADMIN.
        let custom = AdminAuth(jwtSecret: "queen-secret", adminRole: "superuser")
        #expect(custom.check(authorization: admin) == .forbidden("Insufficient permissions: the superuser role is required"))
    }

    @Test func environment() {
        let auth = AdminAuth.fromEnvironment(["JWT_ENABLED": "true", "JWT_SECRET": "s", "PGFERRY_ADMIN_TOKEN": "t"])
        #expect(auth.token == "t" && auth.jwtSecret == "s" && auth.isConfigured)
        #expect(AdminAuth.fromEnvironment(["JWT_SECRET": "s"]).jwtSecret == nil)  // Queen's secret counts only with JWT_ENABLED
        #expect(AdminAuth.fromEnvironment([:]).isConfigured == false)
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
        let server = FerryServer(source: .init(), auth: AdminAuth(token: "tok", jwtSecret: "sec"))
        let client = RouteClient(server: server, token: nil)
        let none = try await client.send(.get, "/api/v1/migration/status")
        #expect(none.status == .unauthorized)
        #expect(none.error.hasPrefix("Authentication required"))
        #expect(none.headers[.wwwAuthenticate] == "Bearer")
        let wrong = try await client.send(.post, "/api/v1/migration/start", body: "{}", authorization: "Bearer tok2")
        #expect(wrong.status == .unauthorized)
        let reader = HS256Verifier.sign(payload: ["role": "read-only"], secret: "sec")
        let forbidden = try await client.send(.post, "/api/v1/migration/reset", authorization: "Bearer \(reader)")
        #expect(forbidden.status == .forbidden)
        #expect(forbidden.error == "Insufficient permissions: the admin role is required")
        for path in ["status", "plan"] {
            #expect(try await client.send(.get, "/api/v1/migration/\(path)").status == .unauthorized)
        }
        for path in ["test-connection", "start", "validate", "reset", "cancel"] {
            #expect(try await client.send(.post, "/api/v1/migration/\(path)", body: "{}").status == .unauthorized)
        }
        let ok = try await client.send(.get, "/api/v1/migration/status", authorization: "Bearer tok")
        #expect(ok.status == .ok)
        let jwt = HS256Verifier.sign(payload: ["roles": ["admin"]], secret: "sec")
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
