/// Opening connections with pgferry's session settings.
enum Connections {
    static func source(_ configuration: ConnectionConfiguration, encoding: String? = nil) async throws -> (PGConnection, String) {
        let connection = try await connect(configuration, side: .source)
        let encoding = if let encoding { encoding } else { try await connection.parameterStatus("server_encoding") ?? "UTF8" }
        try await connection.execute(SessionSettings.source(version: connection.serverVersion, encoding: encoding))
        return (connection, encoding)
    }

    static func target(_ configuration: ConnectionConfiguration, encoding: String) async throws -> PGConnection {
        let connection = try await connect(configuration, side: .target)
        try await connection.execute(SessionSettings.target(version: connection.serverVersion, encoding: encoding))
        return connection
    }

    static func connect(_ configuration: ConnectionConfiguration, side: FerryError.Side) async throws -> PGConnection {
        do {
            return try await PGConnection.connect(configuration)
        } catch {
            throw FerryError("\(side.rawValue): \(error)")
        }
    }

    /// What identifies the database a connection reaches (see `DatabaseIdentity`).
    static func databaseIdentity(_ connection: PGConnection) async throws -> DatabaseIdentity {
        try await DatabaseIdentity.read(connection)
    }
}
