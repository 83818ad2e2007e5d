import Ferry
@testable import FerryServer
import FerryTestSupport
import Foundation
import Hummingbird
import Testing

/// Host (DNS rebinding), Origin (cross-site pages), Content-Type, body size and the check limit.
@Suite("Cross-site and limits")
struct CrossSiteTests {
    static func client(_ policy: ServerPolicy = ServerPolicy(), auth: AdminAuth = AdminAuth(disabled: true)) -> RouteClient {
        RouteClient(server: FerryServer(source: ConnectionConfiguration(), auth: auth, policy: policy), token: nil)
    }

    @Test func hostNamesOtherThanAddressesAndLocalhostAre421() async throws {
        let client = Self.client()
        for path in ["/", "/health", "/api/v1/migration/status"] {
            let rebound = try await client.send(.get, path, host: "evil.example:8080")
            #expect(rebound.status == .misdirectedRequest, "\(path)")
            #expect(rebound.error.hasPrefix("Host \"evil.example:8080\" is not a name this server answers to"), "\(path)")
            #expect(rebound.error.contains("--allow-host"))
        }
        // A cancel through a rebound name is refused before it reaches the route.
        #expect(try await client.send(.post, "/api/v1/migration/cancel", host: "evil.example").status == .misdirectedRequest)
        #expect(try await client.send(.get, "/health", host: "127.0.0.1.evil.example:8080").status == .misdirectedRequest)
        #expect(try await client.send(.get, "/health", host: "localhost.evil.example").status == .misdirectedRequest)
        for host in ["127.0.0.1:8080", "127.0.0.1", "localhost:8080", "LOCALHOST.", "[::1]:8080", "10.1.2.3:80", "[fe80::1]"] {
            #expect(try await client.send(.get, "/health", host: host).status == .ok, "\(host)")
        }
        let missing = try await client.send(.get, "/health", host: nil)
        #expect(missing.status == .badRequest)
        #expect(missing.error == "a Host header is required")
    }

    @Test func operatorAllowedHostNames() async throws {
        let client = Self.client(ServerPolicy(allowedHosts: ["Ferry.Internal"], listenHost: "pgferry-box"))
        #expect(try await client.send(.get, "/health", host: "ferry.internal:8080").status == .ok)
        #expect(try await client.send(.get, "/health", host: "pgferry-box:8080").status == .ok)
        #expect(try await client.send(.get, "/health", host: "other.internal:8080").status == .misdirectedRequest)
        let any = Self.client(ServerPolicy(allowedHosts: ["*"]))
        #expect(try await any.send(.get, "/health", host: "whatever.example").status == .ok)
    }

    @Test func foreignOriginsAre403() async throws {
        let client = Self.client(ServerPolicy(allowedOrigins: ["https://admin.example.com"]))
        func origin(_ origin: String, host: String = "127.0.0.1:8080", _ method: HTTPRequest.Method = .post,
                    path: String = "reset") async throws -> RouteClient.Reply {
            try await client.send(method, "/api/v1/migration/" + path, host: host, headers: [.origin: origin])
        }
        for foreign in ["https://evil.example", "http://127.0.0.1:9999", "http://localhost:8080", "null", "file://", "http://127.0.0.1:8080/x",
                        "https://admin.example.com:444", "http://admin.example.com"] {
            let reply = try await origin(foreign)
            #expect(reply.status == .forbidden, "\(foreign)")
            #expect(reply.error.hasPrefix("Origin \(foreign.debugDescription) may not call this API"), "\(foreign)")
        }
        // A cross-site GET (a rebinding page would read the plan) is refused too.
        #expect(try await origin("https://evil.example", .get, path: "plan").status == .forbidden)
        // The server's own page, and an allowed origin.
        #expect(try await origin("http://127.0.0.1:8080").status == .ok)
        #expect(try await origin("HTTP://127.0.0.1:8080").status == .ok)
        #expect(try await origin("http://localhost:8080", host: "localhost:8080").status == .ok)
        #expect(try await origin("http://[::1]:8080", host: "[::1]:8080").status == .ok)
        #expect(try await origin("https://admin.example.com").status == .ok)
        #expect(try await origin("https://admin.example.com:443").status == .ok)
        // Behind a TLS proxy the Host has no port and the page is https.
        let proxied = Self.client(ServerPolicy(allowedHosts: ["ferry.example.com"]))
        #expect(try await proxied.send(.post, "/api/v1/migration/reset", host: "ferry.example.com",
                                       headers: [.origin: "https://ferry.example.com"]).status == .ok)
    }

    @Test func postsNeedJSON() async throws {
        let client = Self.client()
        let target = #"{"host":"127.0.0.1","database":"d","user":"u"}"#
        for type in ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                     "application/jsonp", "application/json-seq", "json"] {
            let reply = try await client.send(.post, "/api/v1/migration/test-connection", body: target, contentType: type)
            #expect(reply.status == .unsupportedMediaType, "\(type)")
            #expect(reply.error == "Content-Type must be application/json, got \(type.debugDescription)", "\(type)")
        }
        // A body without a type (what fetch sends for a Blob without one) is refused as well …
        let untyped = try await client.send(.post, "/api/v1/migration/start", body: target, contentType: .some(nil))
        #expect(untyped.status == .unsupportedMediaType)
        #expect(untyped.error == "a request body needs Content-Type: application/json")
        // … even for routes that take no body; a refused form never reaches the route.
        #expect(try await client.send(.post, "/api/v1/migration/reset", body: "x=1", contentType: .some(nil)).status == .unsupportedMediaType)
        #expect(try await client.send(.post, "/api/v1/migration/reset", body: "{}", contentType: "text/plain").status == .unsupportedMediaType)
        // cancel and reset without a body need no type; JSON with parameters is JSON.
        #expect(try await client.send(.post, "/api/v1/migration/reset", contentType: .some(nil)).status == .ok)
        #expect(try await client.send(.post, "/api/v1/migration/cancel", contentType: .some(nil)).status == .conflict)
        #expect(try await client.send(.post, "/api/v1/migration/reset", body: "", contentType: "Application/JSON; charset=utf-8").status == .ok)
        let missing = try await client.send(.post, "/api/v1/migration/test-connection", body: "{}", contentType: "application/json; charset=utf-8")
        #expect(missing.status == .badRequest)
    }

    @Test func oversizedBodiesAre413WithAJSONError() async throws {
        let client = Self.client()
        let big = "{\"password\":\"" + String(repeating: "p", count: BodyReader.limit) + "\"}"
        for contentType: String?? in [.none, .some(nil)] {
            let reply = try await client.send(.post, "/api/v1/migration/test-connection", body: big, contentType: contentType)
            #expect(reply.status == .contentTooLarge)
            #expect(reply.headers[.contentType] == "application/json; charset=utf-8")
            #expect(reply.error == "request body is larger than the limit of 1048576 bytes (1 MiB)")
        }
    }

    @Test func checksBeyondTheLimitAre429AndSlowOnesEndAt504() async throws {
        // A port that accepts connections and never answers: each test-connection waits there.
        let silent = try TCPListener()
        let policy = ServerPolicy(maximumConcurrentChecks: 2, checkTimeout: .seconds(2))
        let client = Self.client(policy)
        let body = #"{"host":"127.0.0.1","port":\#(silent.port),"database":"d","user":"u"}"#
        let started = ContinuousClock.now
        async let first = client.send(.post, "/api/v1/migration/test-connection", body: body)
        async let second = client.send(.post, "/api/v1/migration/test-connection", body: body)
        try await Task.sleep(for: .milliseconds(500))
        let third = try await client.send(.post, "/api/v1/migration/validate", body: body)
        #expect(third.status == .tooManyRequests)
        #expect(third.headers[.retryAfter] == "1")
        #expect(third.error.hasPrefix("too many database checks at once (at most 2 test-connection, validate and plan requests"))
        #expect(try await client.send(.get, "/api/v1/migration/plan").status == .tooManyRequests)
        for reply in [try await first, try await second] {
            #expect(reply.status == .gatewayTimeout)
            #expect(reply.error == "test-connection took longer than 2 s and was cancelled")
        }
        // Answered at the deadline, not after libpq's own 10 s connect timeout.
        #expect(ContinuousClock.now - started < .seconds(8))
        // Status and other routes are not limited.
        #expect(try await client.send(.get, "/api/v1/migration/status").status == .ok)
    }
}
