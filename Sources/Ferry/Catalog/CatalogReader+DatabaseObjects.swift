/// Casts and transforms that the migrated schemas take part in, and the schemas' conversions.
extension CatalogReader {
    /// True when the function `oid` (0 for none) belongs to a migrated schema.
    private func functionInSchemas(_ oid: String) -> PGQuery {
        """
        EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE p.oid = \(unescaped: oid) AND n.nspname = ANY(\(schemas)))
        """
    }

    /// True when one of the types `oids` belongs to a migrated schema.
    private func typeInSchemas(_ oids: String) -> PGQuery {
        """
        EXISTS (SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                WHERE t.oid IN (\(unescaped: oids)) AND n.nspname = ANY(\(schemas)))
        """
    }

    /// User casts (OID past initdb's, as pg_dump's selectDumpableCast) whose function or types
    /// the schemas hold: the ones `DROP SCHEMA … CASCADE` takes with it; every user cast for a
    /// whole-database move, as pg_dump without `-n`. A range's casts to its
    /// multirange come with the range (an internal dependency).
    func readCasts() async throws -> [Cast] {
        let rows = try await connection.query("""
            SELECT c.oid, pg_catalog.format_type(c.castsource, NULL) AS source, pg_catalog.format_type(c.casttarget, NULL) AS target,
                   c.castmethod::text AS method, c.castcontext::text AS context,
                   CASE WHEN c.castfunc <> 0 THEN c.castfunc::pg_catalog.regprocedure::text END AS function,
                   pg_catalog.obj_description(c.oid, 'pg_cast') AS comment
            FROM pg_catalog.pg_cast c
            WHERE c.oid >= 16384 AND \(unescaped: notExtensionMember("c.oid", "pg_cast"))
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                              AND i.objid = c.oid AND i.deptype = 'i')
              AND (\(wholeDatabase ? "true" : "\(functionInSchemas("c.castfunc")) OR \(typeInSchemas("c.castsource, c.casttarget"))" as PGQuery))
            ORDER BY source, target
            """).rows
        return try rows.map { row in
            let method: Cast.Method = switch try row.string("method") {
            case "i": .inOut
            case "b": .binaryCoercible
            default: .function(try row.string("function"))
            }
            return try Cast(oid: row.oid("oid"), source: row.string("source"), target: row.string("target"), method: method,
                            context: ["a": "ASSIGNMENT", "i": "IMPLICIT"][row.string("context")], comment: row.optionalString("comment"))
        }
    }

    /// User transforms whose functions or type the schemas hold (pg_dump dumps transforms only
    /// with the whole database, like casts).
    func readTransforms() async throws -> [Transform] {
        let rows = try await connection.query("""
            SELECT tr.oid, pg_catalog.format_type(tr.trftype, NULL) AS type, l.lanname,
                   CASE WHEN tr.trffromsql <> 0 THEN tr.trffromsql::pg_catalog.regprocedure::text END AS from_sql,
                   CASE WHEN tr.trftosql <> 0 THEN tr.trftosql::pg_catalog.regprocedure::text END AS to_sql,
                   pg_catalog.obj_description(tr.oid, 'pg_transform') AS comment
            FROM pg_catalog.pg_transform tr JOIN pg_catalog.pg_language l ON l.oid = tr.trflang
            WHERE tr.oid >= 16384 AND \(unescaped: notExtensionMember("tr.oid", "pg_transform"))
              AND (\(wholeDatabase ? "true" : "\(functionInSchemas("tr.trffromsql")) OR \(functionInSchemas("tr.trftosql")) OR \(typeInSchemas("tr.trftype"))" as PGQuery))
            ORDER BY type, l.lanname
            """).rows
        return try rows.map {
            try Transform(oid: $0.oid("oid"), type: $0.string("type"), language: $0.string("lanname"),
                          fromSQL: $0.optionalString("from_sql"), toSQL: $0.optionalString("to_sql"), comment: $0.optionalString("comment"))
        }
    }

    /// The user mappings of `servers` (`pg_user_mappings` is readable by every role).
    func readUserMappings(servers: [String]) async throws -> [UserMapping] {
        guard !servers.isEmpty else { return [] }
        return try await connection.query("""
            SELECT srvname, usename FROM pg_catalog.pg_user_mappings WHERE srvname = ANY(\(Array(Set(servers)))) ORDER BY 1, 2
            """).rows.map {
            try UserMapping(server: $0.string("srvname"), user: $0.string("usename"))
        }
    }

    func readConversions() async throws -> [Conversion] {
        let rows = try await connection.query("""
            SELECT c.oid, n.nspname, c.conname, pg_catalog.pg_encoding_to_char(c.conforencoding) AS source_encoding,
                   pg_catalog.pg_encoding_to_char(c.contoencoding) AS target_encoding, c.conproc::pg_catalog.regproc::text AS function,
                   c.condefault, pg_catalog.obj_description(c.oid, 'pg_conversion') AS comment,
                   pg_catalog.pg_get_userbyid(c.conowner) AS owner, NULL AS acl
            FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
            WHERE n.nspname = ANY(\(schemas)) AND \(unescaped: notExtensionMember("c.oid", "pg_conversion"))
            ORDER BY n.nspname, c.conname
            """).rows
        var conversions: [Conversion] = []
        for row in rows {
            conversions.append(try Conversion(
                oid: row.oid("oid"), name: QualifiedName(row.string("nspname"), row.string("conname")),
                sourceEncoding: row.string("source_encoding"), targetEncoding: row.string("target_encoding"),
                function: row.string("function"), isDefault: row.bool("condefault"), comment: row.optionalString("comment"),
                ownership: await ownership(row)))
        }
        return conversions
    }
}
