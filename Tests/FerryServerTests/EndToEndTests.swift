import Ferry
import FerryServer
import FerryTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The server on a real loopback port, driven over HTTP like Queen's dashboard or curl would.
@Suite("End to end")
struct EndToEndTests {
    struct HTTP {
        let base: URL
        let token: String
        /// Its own connection pool: a shared one may hand a new server a kept-alive connection
        /// to an earlier test's server that had the same port ("Empty reply from server").
        let session = URLSession(configuration: .ephemeral)

        func call(_ method: String, _ path: String, _ body: [String: Any]? = nil, authorized: Bool = true) async throws
            -> (status: Int, json: [String: Any], text: String) {
            var request = URLRequest(url: base.appendingPathComponent(path))
            request.httpMethod = method
            if authorized { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            if let body {
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = try JSONSerialization.data(withJSONObject: body)
            }
            let (data, response) = try await session.data(for: request)
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, json, String(decoding: data, as: UTF8.self))
        }
    }

    @Test func startPollCompleteValidateReset() async throws {
        let databases = try await QueenDatabases.make("e2e")
        let token = "e2e-" + UUID().uuidString
        let server = FerryServer(source: databases.source.configuration, auth: AdminAuth(token: token), jobs: 2)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let serving = Task { try await server.run(host: "127.0.0.1", port: 0) { portSink.yield($0) } }
        defer { serving.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(port > 0)
        let http = HTTP(base: URL(string: "http://127.0.0.1:\(port)")!, token: token)

        #expect(try await http.call("GET", "health", authorized: false).status == 200)
        #expect(try await http.call("GET", "api/v1/migration/status", authorized: false).status == 401)
        let page = try await http.call("GET", "", authorized: false)
        #expect(page.status == 200 && page.text.contains("<title>pgferry"))

        let target = databases.targetBody(password: "unused-secret")
        let tested = try await http.call("POST", "api/v1/migration/test-connection", target)
        #expect(tested.status == 200 && tested.json["success"] as? Bool == true)

        var body = target
        body["schema"] = "queen"
        body["excludeTableData"] = ["message_traces", "message_trace_names"]
        let started = try await http.call("POST", "api/v1/migration/start", body)
        #expect(started.status == 202)

        var final: [String: Any] = [:]
        var sawRunning = false
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let status = try await http.call("GET", "api/v1/migration/status")
            #expect(status.status == 200)
            #expect(!status.text.contains("unused-secret"))
            let state = status.json["status"] as? String ?? ""
            if state == "dumping" || state == "restoring" { sawRunning = true }
            if state == "complete" || state == "error" { final = status.json; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(final["status"] as? String == "complete", "\(final)")
        #expect(sawRunning || (final["elapsedSeconds"] as? Double ?? 1) < 1)
        #expect((final["totals"] as? [String: Any])?["tablesSkipped"] as? Int == 2)

        let validation = try await http.call("POST", "api/v1/migration/validate", target)
        #expect(validation.status == 200)
        #expect(validation.json["allMatch"] as? Bool == true, "\(validation.text)")
        let rows = validation.json["tables"] as? [[String: Any]] ?? []
        #expect(rows.count == 20)
        #expect(Set(rows.filter { $0["skipped"] as? Bool == true }.compactMap { $0["table"] as? String })
            == ["queen.message_traces", "queen.message_trace_names"])
        let copied = try await databases.target.query("SELECT count(*) AS n FROM queen.messages")
        #expect(try copied.rows[0].int("n") == 20000)

        let reset = try await http.call("POST", "api/v1/migration/reset")
        #expect(reset.status == 200 && reset.json["status"] as? String == "idle")
        #expect(try await http.call("GET", "api/v1/migration/status").json["status"] as? String == "idle")
    }
}

