import Ferry
import FerryServer
import FerryTestSupport
import Foundation
import Hummingbird
import Testing

/// `POST /api/v1/migration/compare`, and the end-of-run compare in the status.
@Suite struct CompareRouteTests {
    @Test func compareRouteReportsDifferencesThenEqualAfterARun() async throws {
        let databases = try await QueenDatabases.make("cmproute")
        let client = RouteClient(server: databases.server())

        let badFlag = try await client.post("compare", databases.targetBody(extra: ["owners": "yes"]))
        #expect(badFlag.status == .badRequest)
        #expect(badFlag.error == "owners must be true or false, got a string")
        let noSchema = try await client.post("compare", databases.targetBody(extra: ["schema": "nope"]))
        #expect(noSchema.status == .badRequest)

        let before = try await client.post("compare", databases.targetBody(extra: ["schema": "queen"]))
        #expect(before.status == .ok)
        #expect(before.json["success"] as? Bool == true)
        #expect(before.json["equal"] as? Bool == false)
        let missing = (before.json["comparison"] as? [String: Any])?["missing"] as? [[String: Any]] ?? []
        #expect(missing.contains { $0["kind"] as? String == "schema" && $0["identity"] as? String == "queen" })

        #expect(try await client.post("start", databases.targetBody()).status == .accepted)
        let final = try await client.waitForFinish()
        #expect(final["status"] as? String == "complete", "\(final["error"] ?? "")")
        let atTheEnd = try #require(final["comparison"] as? [String: Any])
        #expect((atTheEnd["missing"] as? [Any])?.isEmpty == true)
        #expect((atTheEnd["different"] as? [Any])?.isEmpty == true)

        let after = try await client.post("compare", databases.targetBody())
        #expect(after.status == .ok)
        #expect(after.json["equal"] as? Bool == true, "\(after.body.prefix(2000))")
        #expect(after.json["schema"] as? String == "queen")

        let unauthorised = try await RouteClient(server: databases.server(), token: nil).post("compare", databases.targetBody())
        #expect(unauthorised.status == .unauthorized)
    }
}
