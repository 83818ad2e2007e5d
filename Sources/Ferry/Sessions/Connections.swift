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

    /// A fingerprint of the database a connection reaches: the cluster's system identifier
    /// (or, without the right to read it, the postmaster's start time and port) and the database OID.
    static func databaseIdentity(_ connection: PGConnection) async throws -> String {
        let cluster: String
        do {
            cluster = try await connection.query("SELECT system_identifier::text AS id FROM pg_catalog.pg_control_system()")
                .rows.first?.string("id") ?? ""
        } catch {
            cluster = try await connection.query(
                "SELECT pg_catalog.pg_postmaster_start_time()::text || ':' || pg_catalog.current_setting('port') AS id")
                .rows.first?.string("id") ?? ""
        }
        let database = try await connection.query(
            "SELECT oid::text AS id FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()")
        return cluster + "/" + (database.rows.first?.string("id") ?? "")
    }
}
