/// Enum, composite, domain, range, base and shell types, and collations.
extension CatalogReader {
    func readTypes() async throws -> [UserType] {
        let rows = try await connection.query("""
            SELECT t.oid, n.nspname, t.typname, t.typtype::text AS kind, t.typrelid,
                   pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull,
                   CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                        THEN \(unescaped: Self.collationName("t.typcollation")) END AS collation,
                   coalesce(pg_catalog.pg_get_expr(t.typdefaultbin, 0), t.typdefault) AS default_expression,
                   pg_catalog.obj_description(t.oid, 'pg_type') AS comment,
                   pg_catalog.pg_get_userbyid(t.typowner) AS owner, t.typacl::text AS acl
            FROM pg_catalog.pg_type t
            JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
            LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
            WHERE n.nspname = ANY(\(schemas)) AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c')
                   OR (t.typtype = 'b' AND NOT \(unescaped: Self.isArrayType("t"))) OR (t.typtype = 'p' AND NOT t.typisdefined))
              AND \(unescaped: notExtensionMember("t.oid", "pg_type"))
            ORDER BY n.nspname, t.typname
            """).rows
        let oids = try rows.map { try $0.oid("oid") }
        let labels = try await readEnumLabels(oids: oids)
        let attributes = try await readCompositeAttributes(oids: oids)
        let ranges = try await readRangeOptions(oids: oids)
        let baseTypes = try await readBaseTypeOptions(oids: oids)
        var types: [UserType] = []
        for row in rows {
            let oid = try row.oid("oid")
            let definition: UserType.Definition
            switch try row.string("kind") {
            case "e":
                definition = .enumeration(labels[oid] ?? [])
            case "c":
                definition = .composite(attributes[oid] ?? [])
            case "d":
                definition = try .domain(base: row.string("base"), collation: row.optionalString("collation"),
                                     defaultExpression: row.optionalString("default_expression"), notNull: row.bool("typnotnull"))
            case "b":
                guard let options = baseTypes[oid] else { continue }
                definition = .base(options)
            case "p":
                definition = .shell
            default:
                guard let options = ranges[oid] else { continue }
                definition = .range(options)
            }
            types.append(try UserType(oid: oid, name: QualifiedName(row.string("nspname"), row.string("typname")),
                                  definition: definition, comment: row.optionalString("comment"), ownership: await ownership(row)))
        }
        return types
    }

    /// Each enum's labels, in their order.
    private func readEnumLabels(oids: [UInt32]) async throws -> [UInt32: [String]] {
        let rows = try await connection.query("""
            SELECT enumtypid, enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = ANY(\(oids)) ORDER BY enumtypid, enumsortorder
            """).rows
        return try Dictionary(grouping: rows) { try $0.oid("enumtypid") }.mapValues { try $0.map { try $0.string("enumlabel") } }
    }

    /// Each composite type's attributes, in their order.
    private func readCompositeAttributes(oids: [UInt32]) async throws -> [UInt32: [UserType.Attribute]] {
        let rows = try await connection.query("""
            SELECT c.reltype, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                   CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                        THEN \(unescaped: Self.collationName("a.attcollation")) END AS collation,
                   pg_catalog.col_description(a.attrelid, a.attnum) AS comment
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            WHERE c.reltype = ANY(\(oids)) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum
            """).rows
        return try Dictionary(grouping: rows) { try $0.oid("reltype") }.mapValues {
            try $0.map {
                try UserType.Attribute(name: $0.string("attname"), type: $0.string("type"), collation: $0.optionalString("collation"),
                                       comment: $0.optionalString("comment"))
            }
        }
    }

    /// Each range type's `CREATE TYPE … AS RANGE` options.
    private func readRangeOptions(oids: [UInt32]) async throws -> [UInt32: [String]] {
        let multirange = version >= 140000
            ? "pg_catalog.quote_ident(mn.nspname) || '.' || pg_catalog.quote_ident(m.typname)" : "NULL"
        let multirangeJoin = version >= 140000 ? """
            LEFT JOIN pg_catalog.pg_type m ON m.oid = r.rngmultitypid
            LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = m.typnamespace
            """ : ""
        let rows = try await connection.query("""
            SELECT r.rngtypid, pg_catalog.format_type(r.rngsubtype, NULL) AS subtype, \(unescaped: multirange) AS multirange,
                   CASE WHEN NOT opc.opcdefault THEN pg_catalog.quote_ident(opcn.nspname) || '.' || pg_catalog.quote_ident(opc.opcname) END AS opclass,
                   CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                        THEN \(unescaped: Self.collationName("r.rngcollation")) END AS collation,
                   NULLIF(r.rngcanonical, 0)::pg_catalog.regproc::text AS canonical,
                   NULLIF(r.rngsubdiff, 0)::pg_catalog.regproc::text AS subtype_diff
            FROM pg_catalog.pg_range r
            JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
            JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
            JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace
            \(unescaped: multirangeJoin)
            WHERE r.rngtypid = ANY(\(oids))
            """).rows
        var options: [UInt32: [String]] = [:]
        for range in rows {
            var list = try ["subtype = \(range.string("subtype"))"]
            if let name = try range.optionalString("multirange") { list.append("multirange_type_name = \(name)") }
            if let opclass = try range.optionalString("opclass") { list.append("subtype_opclass = \(opclass)") }
            if let collation = try range.optionalString("collation") { list.append("collation = \(collation)") }
            if let canonical = try range.optionalString("canonical") { list.append("canonical = \(canonical)") }
            if let diff = try range.optionalString("subtype_diff") { list.append("subtype_diff = \(diff)") }
            options[try range.oid("rngtypid")] = list
        }
        return options
    }

    func readCollations() async throws -> [Collation] {
        // Where the ICU locale lives moved twice: collcollate (≤14), colliculocale (15–16), colllocale (17+).
        let locale = version >= 170000 ? "c.colllocale" : version >= 150000 ? "c.colliculocale" : "NULL"
        let rules = version >= 160000 ? "c.collicurules" : "NULL"
        let rows = try await connection.query("""
            SELECT c.oid, n.nspname, c.collname, c.collprovider::text AS provider, c.collisdeterministic,
                   c.collcollate, c.collctype, \(unescaped: locale) AS locale, \(unescaped: rules) AS rules,
                   pg_catalog.obj_description(c.oid, 'pg_collation') AS comment,
                   pg_catalog.pg_get_userbyid(c.collowner) AS owner, NULL AS acl
            FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
            WHERE n.nspname = ANY(\(schemas)) AND \(unescaped: notExtensionMember("c.oid", "pg_collation"))
            ORDER BY n.nspname, c.collname
            """).rows
        var collations: [Collation] = []
        for row in rows {
            let provider = try ["c": "libc", "i": "icu", "b": "builtin"][row.string("provider")] ?? "libc"
            var options = ["provider = \(provider)"]
            if try !row.bool("collisdeterministic") { options.append("deterministic = false") }
            if provider == "libc" {
                let collate = try row.string("collcollate"), ctype = try row.string("collctype")
                options += collate == ctype ? ["locale = \(SQL.literal(collate))"]
                    : ["lc_collate = \(SQL.literal(collate))", "lc_ctype = \(SQL.literal(ctype))"]
            } else {
                options.append("locale = \(SQL.literal(try row.optionalString("locale") ?? row.string("collcollate")))")
            }
            if let rules = try row.optionalString("rules") { options.append("rules = \(SQL.literal(rules))") }
            collations.append(try Collation(oid: row.oid("oid"), name: QualifiedName(row.string("nspname"), row.string("collname")),
                                        options: options, comment: row.optionalString("comment"), ownership: await ownership(row)))
        }
        return collations
    }
}
