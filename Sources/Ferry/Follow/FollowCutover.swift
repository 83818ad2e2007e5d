/// What cutover does once every change up to the end position is applied: sequences (not
/// decoded by logical replication) from the source's current values, then a row-count compare.
enum FollowCutover {
    /// Sets each sequence of `schemas` on the target to the source's value now, as post-data's
    /// `setval` does for the snapshot's.
    static func copySequences(_ request: MigrationRequest) async throws -> Int {
        let (source, encoding) = try await Connections.source(request.source)
        return try await source.closing { source in
            let target = try await Connections.target(request.target, encoding: encoding)
            return try await target.closing { target in
                let sequences = try await source.query("""
                    SELECT schemaname::text AS schema, sequencename::text AS name FROM pg_catalog.pg_sequences
                    WHERE schemaname = ANY($1::text[]) ORDER BY 1, 2
                    """, [CatalogReader.arrayLiteral(request.schemas)]).rows.map {
                    QualifiedName(try $0.string("schema"), try $0.string("name"))
                }
                for sequence in sequences {
                    let state = try await source.query("SELECT last_value::text AS value, is_called FROM \(sequence.sql)").rows[0]
                    _ = try await target.query("SELECT pg_catalog.setval($1::regclass, $2::bigint, $3::boolean)",
                                               [sequence.sql, try state.string("value"), try state.bool("is_called") ? "true" : "false"])
                }
                return sequences.count
            }
        }
    }

    /// Fails naming the tables whose row counts differ between source and target.
    static func compareCounts(_ request: MigrationRequest) async throws -> ValidationReport {
        let report = try await Validator(source: request.source, target: request.target, schemas: request.schemas,
                                         excludedTables: request.excludeTableData).validate()
        let differing = report.tables.filter { !$0.match && !$0.skipped }
        guard differing.isEmpty else {
            throw FerryError("cutover: row counts differ after applying up to the end position: "
                + differing.map { "\($0.table) (source \($0.sourceCount), target \($0.targetCount))" }.joined(separator: ", ")
                + "; the source took writes after the end position, or the target was written to")
        }
        return report
    }
}
