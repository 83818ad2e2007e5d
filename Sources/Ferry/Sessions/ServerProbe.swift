/// Quick questions to a server before anything runs, for the command line and the HTTP API:
/// each opens one connection and closes it, awaited, before it returns or throws.
public enum ServerProbe {
    /// `version()` of the server `configuration` reaches.
    public static func version(_ configuration: ConnectionConfiguration) async throws -> String {
        try await PGConnection.withConnection(configuration) { connection in
            try await connection.query("SELECT pg_catalog.version() AS version").rows[0].string("version")
        }
    }

    /// Why a request cannot start on this source.
    public enum Refusal: Error, CustomStringConvertible {
        /// No connection to the source (the server's own configuration is at fault, not the request).
        case unreachable(String)
        /// The request names a schema or table the source lacks.
        case unknownName(String)

        public var description: String {
            switch self {
            case .unreachable(let message), .unknownName(let message): message
            }
        }
    }

    /// Checks a request against the source's catalog: `schema` exists, and every name of
    /// `excludeTableData` is one the plan will accept (`MigrationPlan.resolveExclusions`'s rule:
    /// a table of the schema, `schema.table`, or one of `alwaysAccepted`). Names travel as parameters.
    public static func checkRequest(source: ConnectionConfiguration, schema: String, excludeTableData: [String],
                                    alwaysAccepted: [String]) async throws(Refusal) {
        var connected = false
        let unknown: String?
        do {
            unknown = try await PGConnection.withConnection(source) { connection in
                connected = true
                return try await unknownName(schema: schema, excludeTableData: excludeTableData, alwaysAccepted: alwaysAccepted,
                                             on: connection)
            }
        } catch {
            throw .unreachable(connected ? "Failed to read the source catalog: \(error)" : "Failed to connect to source: \(error)")
        }
        if let unknown { throw .unknownName(unknown) }
    }

    private static func unknownName(schema: String, excludeTableData: [String], alwaysAccepted: [String],
                                    on connection: PGConnection) async throws -> String? {
        let schemas = try await connection.query("""
            SELECT n.nspname AS name FROM pg_catalog.pg_namespace n
            WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1
            """).rows.map { try $0.string("name") }
        guard schemas.contains(schema) else {
            return "schema \(schema.debugDescription) is not a schema of the source; existing schemas: "
                + (schemas.isEmpty ? "(none)" : schemas.joined(separator: ", "))
        }
        guard !excludeTableData.isEmpty else { return nil }
        let tables = try await connection.query("""
            SELECT c.relname AS name FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'p') ORDER BY 1
            """).rows.map { try $0.string("name") }
        for name in excludeTableData {
            let known = tables.contains(name) || tables.contains { "\(schema).\($0)" == name } || alwaysAccepted.contains(name)
            if !known {
                return PlanError.unknownExcludedTable(name: name, accepted: Set(tables + alwaysAccepted).sorted()).description
            }
        }
        return nil
    }
}
