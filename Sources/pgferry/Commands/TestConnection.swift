import ArgumentParser
import Ferry

extension PGFerry {
    struct TestConnection: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-connection", abstract: "Connect and print the server version.")

        @Argument(help: "postgresql:// URL or key=value string; omitted: libpq's PG* variables.")
        var url: String?

        func run() async throws {
            let configuration = try ConnectionOptions.configuration(url, name: "connection", variable: nil)
            print(try await ServerProbe.version(configuration))
        }
    }
}
