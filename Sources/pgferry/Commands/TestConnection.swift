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
            let connection = try await PGConnection.connect(configuration)
            let version = try await connection.query("SELECT pg_catalog.version() AS version").rows[0].string("version")
            await connection.close()
            print(version)
        }
    }
}
