import FerryTestSupport
import Foundation
import Testing

/// What the command line tells a user must name only things pgferry really reads.
@Suite struct CommandLineHintTests {
    static let binary = CommandLineTests.binary

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func thePasswordWarningNamesOnlyRealPlaces() async throws {
        let server = try await TestServers.source
        // Trust authentication ignores the password: the command succeeds and still warns.
        let test = try TestServers.execute(Self.binary, ["test-connection", "postgresql://postgres:hunter2@127.0.0.1:\(server.port)/postgres"])
        #expect(test.status == 0, "\(test.output)")
        #expect(test.output.contains("the connection password is in a command-line argument"))
        #expect(test.output.contains("use PGPASSWORD, ~/.pgpass instead"))
        #expect(!test.output.contains("PGFERRY_CONNECTION_URL"))

        let plan = try TestServers.execute(Self.binary, ["plan", "--schema", "nope", "--source",
                                                         "postgresql://postgres:hunter2@127.0.0.1:\(server.port)/postgres"])
        #expect(plan.output.contains("use PGFERRY_SOURCE_URL, PGPASSWORD, ~/.pgpass instead"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func aNegativeStatementTimeoutIsRefused() throws {
        let result = try TestServers.execute(Self.binary, ["validate", "--schema", "s", "--target", "host=x", "--statement-timeout=-5"])
        #expect(result.status != 0)
        #expect(result.output.contains("--statement-timeout must be 0 (no limit) or a number of seconds, got -5"))
    }
}
