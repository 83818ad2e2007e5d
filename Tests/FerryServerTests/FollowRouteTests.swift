import Ferry
import FerryServer
import FerryTestSupport
import Foundation
import Hummingbird
import Testing

/// `"follow": true` on start, follow fields in status, and `POST cutover`, against real servers.
@Suite struct FollowRouteTests {
    @Test func startFollowingThenCutOverAppliesWhatTheSourceCommitted() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "followroute_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "followroute_tgt")
        try await source.execute("CREATE SCHEMA live; CREATE TABLE live.t (id int PRIMARY KEY, v text); INSERT INTO live.t VALUES (1, 'a')")
        let client = RouteClient(server: FerryServer(source: source.configuration, auth: AdminAuth(token: "test-admin-token"), jobs: 2))
        let body: [String: Any] = ["host": "127.0.0.1", "port": target.server.port, "database": target.name, "user": "postgres",
                                   "schema": "live"]

        #expect(try await client.post("cutover").status == .conflict)  // nothing runs
        let bad = try await client.post("start", body.merging(["follow": true, "followUntil": "soon"]) { $1 })
        #expect(bad.status == .badRequest)
        #expect(bad.error.contains("followUntil"))
        let checksumsAlone = try await client.post("start", body.merging(["checksums": true]) { $1 })
        #expect(checksumsAlone.status == .badRequest)
        #expect(checksumsAlone.error.contains("checksums") && checksumsAlone.error.contains("follow"))
        let identityAlone = try await client.post("start", body.merging(["replicaIdentityFull": true]) { $1 })
        #expect(identityAlone.status == .badRequest)
        #expect(identityAlone.error.contains("replicaIdentityFull needs"))
        #expect(try await client.post("start", body.merging(["follow": true, "refreshMatviews": "yes"]) { $1 }).status == .badRequest)

        #expect(try await client.post("start", body.merging(["follow": true, "checksums": true]) { $1 }).status == .accepted)
        let deadline = ContinuousClock.now + .seconds(60)
        var state: String?
        var retained: Int?
        while ContinuousClock.now < deadline {
            let status = try await client.get("status").json
            let follow = status["follow"] as? [String: Any]
            state = follow?["state"] as? String
            retained = follow?["retainedBytes"] as? Int
            if (state == "streaming" && retained != nil) || status["status"] as? String == "error" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(state == "streaming")
        #expect((retained ?? -1) >= 0, "status never showed the WAL the slot retains")
        try await source.execute("SET synchronous_commit = on; INSERT INTO live.t VALUES (2, 'after the copy')")

        let cutover = try await client.post("cutover")
        #expect(cutover.status == .accepted)
        #expect(cutover.json["status"] as? String == "cutting_over")
        let final = try await client.waitForFinish()
        #expect(final["status"] as? String == "complete", "\(final["error"] ?? "")")
        let follow = final["follow"] as? [String: Any]
        #expect(follow?["state"] as? String == "done")
        #expect(follow?["transactionsApplied"] as? Int == 1)
        #expect(follow?["retainedBytes"] as? Int == 0)
        #expect(try await target.query("SELECT v FROM live.t ORDER BY id").rows.map { $0[0] } == ["a", "after the copy"])
    }
}
