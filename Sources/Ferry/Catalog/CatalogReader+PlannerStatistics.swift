/// The planner statistics of the schemas' tables and their indexes, read in the snapshot for a
/// PostgreSQL 18+ target to restore instead of running ANALYZE (what pg_dump 18 carries).
extension CatalogReader {
    func readPlannerStatistics() async throws -> [RelationStatistics] {
        let allFrozen = version >= 180000 ? ", c.relallfrozen::text AS relallfrozen" : ""
        let relations = try await connection.query("""
            SELECT n.nspname, c.relname, tn.nspname AS table_schema, t.relname AS table_name,
                   c.relpages::text AS relpages, c.reltuples::text AS reltuples, c.relallvisible::text AS relallvisible\(unescaped: allFrozen)
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
            JOIN pg_catalog.pg_class t ON t.oid = coalesce(i.indrelid, c.oid)
            JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
            WHERE n.nspname = ANY(\(schemas)) AND c.relkind IN ('r', 'p', 'i', 'I') AND \(unescaped: notExtensionMember("t.oid", "pg_class"))
            ORDER BY 1, 2
            """).rows
        let relationFields = [("relpages", "integer"), ("reltuples", "real"), ("relallvisible", "integer")]
            + (version >= 180000 ? [("relallfrozen", "integer")] : [])
        var statistics = try relations.map { row in
            try RelationStatistics(
                table: QualifiedName(row.string("table_schema"), row.string("table_name")),
                relation: QualifiedName(row.string("nspname"), row.string("relname")),
                values: relationFields.map { try RelationStatistics.Value($0.0, row.string($0.0), $0.1) })
        }
        let columnFields = [("null_frac", "real"), ("avg_width", "integer"), ("n_distinct", "real"),
                            ("most_common_vals", "text"), ("most_common_freqs", "real[]"), ("histogram_bounds", "text"),
                            ("correlation", "real"), ("most_common_elems", "text"), ("most_common_elem_freqs", "real[]"),
                            ("elem_count_histogram", "real[]")]
            // pg_stats shows range histograms from 17.
            + (version >= 170000 ? [("range_length_histogram", "text"), ("range_empty_frac", "real"),
                                    ("range_bounds_histogram", "text")] : [])
        let columns = try await connection.query("""
            SELECT s.schemaname, s.tablename, s.attname, a.attnum, c.relkind, s.inherited,
                   \(unescaped: columnFields.map { "s.\($0.0)::text AS \($0.0)" }.joined(separator: ", "))
            FROM pg_catalog.pg_stats s
            JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname
            JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname
            WHERE s.schemaname = ANY(\(schemas)) AND c.relkind IN ('r', 'p', 'i', 'I')
            ORDER BY 1, 2, 4, 6
            """).rows
        var positions: [QualifiedName: Int] = [:]
        for (position, relation) in statistics.enumerated() { positions[relation.relation] = position }
        for row in columns {
            guard let position = try positions[QualifiedName(row.string("schemaname"), row.string("tablename"))] else { continue }
            let isIndex = try ["i", "I"].contains(row.string("relkind"))
            var values: [RelationStatistics.Value] = []
            for (name, type) in columnFields {
                if let text = try row.optionalString(name) { values.append(.init(name, text, type)) }
            }
            statistics[position].columns.append(try RelationStatistics.ColumnStatistics(
                column: isIndex ? .number(row.int("attnum")) : .name(row.string("attname")),
                inherited: row.bool("inherited"), values: values))
        }
        return statistics
    }
}
