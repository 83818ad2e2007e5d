/// Opening connections with pgferry's session settings.
///
/// Every connection is scoped: opened for a body and closed, awaited, however the body ends.
enum Connections {
    /// A source session with pgferry's settings, and the encoding its sessions use (the
    /// server's unless given).
    static func withSource<T>(_ configuration: ConnectionConfiguration, encoding: String? = nil,
                              _ body: (PGConnection, String) async throws -> T) async throws -> T {
        try await with(configuration, side: .source) { connection in
            let encoding = if let encoding { encoding } else { try await connection.parameterStatus("server_encoding") ?? "UTF8" }
            try await connection.execute(SessionSettings.source(version: connection.serverVersion, encoding: encoding))
            return try await body(connection, encoding)
        }
    }

    /// A target session with pgferry's settings, in the source's `encoding`.
    static func withTarget<T>(_ configuration: ConnectionConfiguration, encoding: String,
                              _ body: (PGConnection) async throws -> T) async throws -> T {
        try await with(configuration, side: .target) { connection in
            try await connection.execute(SessionSettings.target(version: connection.serverVersion, encoding: encoding))
            return try await body(connection)
        }
    }

    /// A plain session; a failure to connect names the side.
    static func with<T>(_ configuration: ConnectionConfiguration, side: FerryError.Side,
                        _ body: (PGConnection) async throws -> T) async throws -> T {
        let connection: PGConnection
        do {
            connection = try await PGConnection.connect(configuration)
        } catch {
            throw FerryError("\(side.rawValue): \(error)")
        }
        return try await connection.closing(body)
    }

    /// What identifies the database a connection reaches (see `DatabaseIdentity`).
    static func databaseIdentity(_ connection: PGConnection) async throws -> DatabaseIdentity {
        try await DatabaseIdentity.read(connection)
    }
}
