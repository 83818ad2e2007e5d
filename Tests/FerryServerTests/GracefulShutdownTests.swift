import Ferry
@testable import FerryServer
import FerryTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import ServiceLifecycle
import Testing

/// The server's service group: graceful shutdown cancels the run, waits for its end, refuses new starts.
@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    @Test func shutdownCancelsTheRunWaitsForItAndRefusesNewStarts() async throws {
        let databases = try await QueenDatabases.make("shutdown")
        let token = "shutdown-" + UUID().uuidString
        let server = FerryServer(source: databases.source.configuration, auth: AdminAuth(token: token), jobs: 2)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let group = try server.serviceGroup(host: "127.0.0.1", port: 0) { portSink.yield($0) }
        let serving = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let http = EndToEndTests.HTTP(base: URL(string: "http://127.0.0.1:\(port)")!, token: token)

        // Hold a lock the run's snapshot waits for, so it is running when shutdown begins.
        let blocker = try await PGConnection.connect(databases.source.configuration)
        try await blocker.execute("BEGIN; LOCK TABLE queen.queues IN ACCESS EXCLUSIVE MODE")
        #expect(try await http.call("POST", "api/v1/migration/start", databases.targetBody()).status == 202)
        for _ in 0..<100 where !(try await databases.source.query("""
            SELECT count(*) AS n FROM pg_catalog.pg_stat_activity
            WHERE datname = pg_catalog.current_database() AND application_name = 'pgferry' AND wait_event_type = 'Lock'
            """).rows[0].int("n") > 0) {
            try await Task.sleep(for: .milliseconds(50))
        }

        let began = ContinuousClock.now
        await group.triggerGracefulShutdown()
        // While the run winds down the API still answers; no start is accepted (409 while the run
        // is still seen, 503 once shutdown has begun) until the server stops listening.
        let attempts = Task {
            var statuses: [Int] = []
            while let reply = try? await http.call("POST", "api/v1/migration/start", databases.targetBody()) {
                statuses.append(reply.status)
                try await Task.sleep(for: .milliseconds(5))
            }
            return statuses
        }
        try await serving.value
        let statuses = try await attempts.value
        #expect(!statuses.isEmpty && statuses.allSatisfy { $0 == 409 || $0 == 503 }, "\(statuses)")
        #expect(ContinuousClock.now - began < .seconds(10))
        try await blocker.execute("ROLLBACK")
        await blocker.close()
        let final = server.controller.status
        #expect(final.status == .error)
        #expect(final.error?.contains("cancel") == true, "\(String(describing: final.error))")
    }

    @Test func startIsRefusedOnceShutdownHasBegun() async throws {
        let server = FerryServer(source: ConnectionConfiguration(), auth: AdminAuth(token: "test-admin-token"))
        let client = RouteClient(server: server)
        server.shutdown.close()
        let refused = try await client.post("start", ["host": "127.0.0.1", "database": "d", "user": "u"])
        #expect(refused.status == .serviceUnavailable)
        #expect(refused.error == "the server is shutting down: no new migration is started")
        #expect(try await client.get("status").status == .ok)
    }
}
