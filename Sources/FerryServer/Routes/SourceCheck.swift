import Ferry

/// Checks a request against the source's catalog before anything starts, so a wrong schema or
/// table name is a 400 now rather than an `error` status later. Names travel as query parameters.
struct SourceCheck {
    let source: ConnectionConfiguration

    struct Unreachable: Error, CustomStringConvertible {
        var description: String
    }

    func check(schema: String, excludeTableData: [String]) async throws {
        let connection: PGConnection
        do {
            connection = try await PGConnection.connect(source)
        } catch {
            throw Unreachable(description: "Failed to connect to source: \(error)")
        }
        // Closed, awaited, before the route answers or starts anything.
        let checked = await Result(awaiting: { try await check(schema: schema, excludeTableData: excludeTableData, on: connection) })
        await connection.close()
        try checked.get()
    }

    private func check(schema: String, excludeTableData: [String], on connection: PGConnection) async throws {
        let schemas = try await connection.query("""
            SELECT n.nspname AS name FROM pg_catalog.pg_namespace n
            WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1
            """).rows.map { try $0.string("name") }
        guard schemas.contains(schema) else {
            throw BadRequest("schema \(schema.debugDescription) is not a schema of the source; existing schemas: "
                + (schemas.isEmpty ? "(none)" : schemas.joined(separator: ", ")))
        }
        guard !excludeTableData.isEmpty else { return }
        let tables = try await connection.query("""
            SELECT c.relname AS name FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1
            """, [schema]).rows.map { try $0.string("name") }
        // The engine's rule (MigrationPlan.resolveExclusions), answered before the run starts.
        for name in excludeTableData {
            let known = tables.contains(name) || tables.contains { "\(schema).\($0)" == name }
                || MigrationPlan.queenExcludableTables.contains(name)
            if !known {
                throw BadRequest(PlanError.unknownExcludedTable(
                    name: name, accepted: Set(tables + MigrationPlan.queenExcludableTables).sorted()).description)
            }
        }
    }
}
