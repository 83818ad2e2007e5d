import Ferry
import FerryServer
import FerryTestSupport
import Foundation
import Hummingbird
import Logging

/// Calls the router's responder directly, without a socket.
struct RouteClient {
    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
        var error: String { json["error"] as? String ?? "" }
    }

    let responder: RouterResponder<FerryRequestContext>
    var token: String?

    init(server: FerryServer, token: String? = "test-admin-token") {
        responder = server.buildRouter().buildResponder()
        self.token = token
    }

    /// Sends a request as a browser or curl would: `Host: localhost` and, with a body,
    /// `Content-Type: application/json`, unless told otherwise (`contentType: .some(nil)` sends none).
    func send(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, authorization: String?? = .none,
              host: String? = "localhost", contentType: String?? = .none, headers extra: HTTPFields = [:]) async throws -> Reply {
        try await send(method, path, bytes: body.map { Array($0.utf8) }, authorization: authorization, host: host,
                       contentType: contentType, headers: extra)
    }

    /// The same with a body of any bytes (not necessarily UTF-8).
    func send(_ method: HTTPRequest.Method, _ path: String, bytes body: [UInt8]?, authorization: String?? = .none,
              host: String? = "localhost", contentType: String?? = .none, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = HTTPFields()
        switch authorization {
        case .none: if let token { headers[.authorization] = "Bearer \(token)" }
        case .some(let value?): headers[.authorization] = value
        case .some(nil): break
        }
        switch contentType {
        case .none: if body != nil { headers[.contentType] = "application/json" }
        case .some(let value?): headers[.contentType] = value
        case .some(nil): break
        }
        headers.append(contentsOf: extra)
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: host, path: path, headerFields: headers),
            body: RequestBody(buffer: ByteBuffer(bytes: body ?? [])))
        let response = try await responder.respond(to: request, context: FerryRequestContext(logger: Logger(label: "test")))
        let collector = BodyCollector()
        try await response.body.write(collector)
        return Reply(status: response.status, headers: response.headers, body: collector.text)
    }

    func post(_ path: String, _ body: Any? = nil) async throws -> Reply {
        let text = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        return try await send(.post, "/api/v1/migration/" + path, body: text)
    }

    func get(_ path: String) async throws -> Reply {
        try await send(.get, "/api/v1/migration/" + path)
    }

    /// Polls status until the run is no longer running.
    func waitForFinish(timeout: Duration = .seconds(120)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let status = try await get("status").json
            if let state = status["status"] as? String, state == "complete" || state == "error" { return status }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("the migration did not finish in time")
    }
}

final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {  // safe: one writer, read after it finishes
    var buffer = ByteBuffer()
    func write(_ buffer: ByteBuffer) async throws {
        var copy = buffer
        self.buffer.writeBuffer(&copy)
    }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
    var text: String { String(buffer: buffer) }
}

/// A source database with the Queen fixture and an empty target database, on the test clusters.
struct QueenDatabases {
    let source: TestDatabase
    let target: TestDatabase

    static func make(_ prefix: String) async throws -> QueenDatabases {
        let source = try await TestDatabase.create(on: try await TestServers.source, prefix + "_src")
        try await source.loadFixture("queen")
        let target = try await TestDatabase.create(on: try await TestServers.target, prefix + "_tgt")
        return QueenDatabases(source: source, target: target)
    }

    func targetBody(password: String? = nil, extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = ["host": "127.0.0.1", "port": target.server.port, "database": target.name, "user": "postgres"]
        if let password { body["password"] = password }
        return body.merging(extra) { $1 }
    }

    func server(token: String = "test-admin-token") -> FerryServer {
        FerryServer(source: source.configuration, auth: AdminAuth(token: token), jobs: 2)
    }
}
