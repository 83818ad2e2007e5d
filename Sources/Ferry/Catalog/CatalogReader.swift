import Foundation

/// Reads one or more schemas from `pg_catalog` into a `SchemaCatalog`.
///
/// Runs on the snapshot holder connection, inside its transaction, after the tables are locked
/// (the deparsers read live catalogs: the locks keep them equal to the snapshot).
struct CatalogReader {
    let connection: PGConnection
    let schemas: [String]
    let includeOwnership: Bool
    var version: Int { connection.serverVersion }

    /// `{a,b}` for a text[] parameter.
    var schemaArray: String { Self.arrayLiteral(schemas) }

    static func arrayLiteral(_ items: [String]) -> String {
        "{" + items.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    static func oidArray(_ oids: [UInt32]) -> String {
        "{" + oids.map(String.init).joined(separator: ",") + "}"
    }

    /// The tables of the schemas (ordinary and partitioned), not extension members.
    func tableOIDs() async throws -> [(oid: UInt32, name: QualifiedName)] {
        let result = try await connection.query("""
            SELECT c.oid, n.nspname, c.relname
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND \(notExtensionMember("c.oid", "pg_class"))
            ORDER BY n.nspname, c.relname
            """, [schemaArray])
        return result.rows.map { (UInt32($0.int("oid")), QualifiedName($0.string("nspname"), $0.string("relname"))) }
    }

    func read(tableOIDs: [UInt32]) async throws -> SchemaCatalog {
        let oids = Self.oidArray(tableOIDs)
        let schemas = try await readSchemas()
        let tables = try await readTables(oids: oids)
        return SchemaCatalog(serverVersion: version, schemas: schemas, tables: tables,
                             sequences: try await readSequences(), functions: try await readFunctions(),
                             constraints: try await readConstraints(oids: oids), indexes: try await readIndexes(oids: oids),
                             triggers: try await readTriggers(oids: oids))
    }

    // MARK: - Objects

    func readSchemas() async throws -> [Schema] {
        let result = try await connection.query("""
            SELECT n.nspname, pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment,
                   pg_catalog.pg_get_userbyid(n.nspowner) AS owner, n.nspacl::text AS acl
            FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[])
            """, [schemaArray])
        let found = Set(result.rows.map { $0.string("nspname") })
        let missing = schemas.filter { !found.contains($0) }
        if !missing.isEmpty {
            let existing = try await connection.query("""
                SELECT nspname FROM pg_catalog.pg_namespace
                WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1
                """)
            throw FerryError.schemaNotFound(missing, existing: existing.rows.map { $0.string("nspname") })
        }
        var schemaObjects: [Schema] = []
        for name in schemas {
            let row = result.rows.first { $0.string("nspname") == name }!
            schemaObjects.append(Schema(name: name, comment: row["comment"],
                                        ownership: try await ownership(row)))
        }
        return schemaObjects
    }

    func readTables(oids: String) async throws -> [Table] {
        let rows = try await connection.query("""
            SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.reloptions::text[] AS reloptions,
                   pg_catalog.pg_table_size(c.oid) AS bytes, c.reltuples::bigint AS reltuples,
                   c.relrowsecurity, c.relforcerowsecurity,
                   pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
                   pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = ANY($1::oid[])
            ORDER BY n.nspname, c.relname
            """, [oids]).rows
        let columns = try await readColumns(oids: oids)
        var tables: [Table] = []
        for row in rows {
            let oid = UInt32(row.int("oid"))
            tables.append(Table(
                oid: oid, name: QualifiedName(row.string("nspname"), row.string("relname")),
                kind: Table.Kind(rawValue: row.string("relkind")) ?? .ordinary,
                unlogged: row.string("relpersistence") == "u",
                reloptions: row.array("reloptions").map(Self.reloption),
                columns: columns[oid] ?? [], bytes: row.int64("bytes"), estimatedRows: row.int64("reltuples"),
                rowSecurity: row.bool("relrowsecurity"), forceRowSecurity: row.bool("relforcerowsecurity"),
                comment: row["comment"], ownership: try await ownership(row)))
        }
        return tables
    }

    /// `fillfactor=50` → `fillfactor='50'`: values quoted as literals, as pg_dump does.
    static func reloption(_ option: String) -> String {
        guard let equals = option.firstIndex(of: "=") else { return option }
        return option[..<equals] + "=" + SQL.literal(String(option[option.index(after: equals)...]))
    }

    func readColumns(oids: String) async throws -> [UInt32: [Column]] {
        let rows = try await connection.query("""
            SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                   a.atttypid < 16384 AS builtin,
                   CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 THEN
                       (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                        FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                        WHERE co.oid = a.attcollation) END AS collation,
                   a.attnotnull, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default_expression,
                   a.attidentity, a.attgenerated, pg_catalog.col_description(a.attrelid, a.attnum) AS comment
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum
            """, [oids]).rows
        var columns: [UInt32: [Column]] = [:]
        for row in rows {
            let generated = row.string("attgenerated") == "s"
            columns[UInt32(row.int("attrelid")), default: []].append(Column(
                name: row.string("attname"), type: row.string("type"), builtinType: row.bool("builtin"),
                collation: row["collation"], notNull: row.bool("attnotnull"),
                defaultExpression: generated ? nil : row["default_expression"],
                identity: Column.Identity(rawValue: row.string("attidentity")),
                generated: generated ? row["default_expression"] : nil, comment: row["comment"]))
        }
        return columns
    }

    func readSequences() async throws -> [Sequence] {
        let rows = try await connection.query("""
            SELECT c.oid, n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL) AS type,
                   s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, c.relpersistence,
                   d.deptype, tn.nspname AS table_schema, tc.relname AS table_name, a.attname AS column_name,
                   pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
                   pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
            LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
            LEFT JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
            LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'S' AND \(notExtensionMember("c.oid", "pg_class"))
            ORDER BY n.nspname, c.relname
            """, [schemaArray]).rows
        var sequences: [Sequence] = []
        for row in rows {
            let name = QualifiedName(row.string("nspname"), row.string("relname"))
            let column = row["table_name"].map {
                ColumnReference(table: QualifiedName(row.string("table_schema"), $0), column: row.string("column_name"))
            }
            // Sequence values are not transactional: read them now, as pg_dump does.
            let state = try await connection.query(version >= 180000
                ? "SELECT last_value, is_called FROM pg_catalog.pg_get_sequence_data(\(SQL.literal(name.sql))::pg_catalog.regclass)"
                : "SELECT last_value, is_called FROM \(name.sql)").rows.first
            sequences.append(Sequence(
                name: name, dataType: row.string("type"), start: row.int64("seqstart"),
                increment: row.int64("seqincrement"), minValue: row.int64("seqmin"), maxValue: row.int64("seqmax"),
                cache: row.int64("seqcache"), cycle: row.bool("seqcycle"), unlogged: row.string("relpersistence") == "u",
                lastValue: state?.int64("last_value") ?? row.int64("seqstart"), isCalled: state?.bool("is_called") ?? false,
                ownedBy: row["deptype"] == "a" ? column : nil, identityOf: row["deptype"] == "i" ? column : nil,
                comment: row["comment"], ownership: try await ownership(row)))
        }
        return sequences
    }

    func readFunctions() async throws -> [Function] {
        let rows = try await connection.query("""
            SELECT p.oid, n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
                   p.prokind, pg_catalog.pg_get_functiondef(p.oid) AS definition,
                   pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
                   pg_catalog.pg_get_userbyid(p.proowner) AS owner, p.proacl::text AS acl
            FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = ANY($1::text[]) AND p.prokind IN ('f', 'p', 'w')
              AND \(notExtensionMember("p.oid", "pg_proc"))
            ORDER BY n.nspname, p.proname, arguments
            """, [schemaArray]).rows
        var functions: [Function] = []
        for row in rows {
            functions.append(Function(
                name: QualifiedName(row.string("nspname"), row.string("proname")), identityArguments: row.string("arguments"),
                kind: Function.Kind(rawValue: row.string("prokind")) ?? .function, definition: row.string("definition"),
                comment: row["comment"], ownership: try await ownership(row)))
        }
        return functions
    }

    func readConstraints(oids: String) async throws -> [Constraint] {
        let rows = try await connection.query("""
            SELECT n.nspname, c.relname, con.conname, con.contype, pg_catalog.pg_get_constraintdef(con.oid) AS definition,
                   con.convalidated, con.conislocal, con.condeferrable, con.condeferred,
                   CASE WHEN con.contype IN ('p', 'u') THEN pg_catalog.pg_get_indexdef(con.conindid) END AS index_definition,
                   rn.nspname AS referenced_schema, rc.relname AS referenced_table,
                   pg_catalog.obj_description(con.oid, 'pg_constraint') AS comment
            FROM pg_catalog.pg_constraint con
            JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
            LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0
            ORDER BY n.nspname, c.relname, con.conname
            """, [oids]).rows
        return rows.map { row in
            Constraint(
                name: row.string("conname"), table: QualifiedName(row.string("nspname"), row.string("relname")),
                kind: Constraint.Kind(rawValue: row.string("contype"))!, definition: row.string("definition"),
                validated: row.bool("convalidated"), isLocal: row.bool("conislocal"),
                indexDefinition: row["index_definition"],
                deferrableClause: row.bool("condeferrable")
                    ? "DEFERRABLE" + (row.bool("condeferred") ? " INITIALLY DEFERRED" : "") : nil,
                referencedTable: row["referenced_table"].map { QualifiedName(row.string("referenced_schema"), $0) },
                comment: row["comment"])
        }
    }

    func readIndexes(oids: String) async throws -> [Index] {
        let rows = try await connection.query("""
            SELECT n.nspname, ic.relname AS index_name, tn.nspname AS table_schema, tc.relname AS table_name,
                   pg_catalog.pg_get_indexdef(i.indexrelid) AS definition, i.indisclustered,
                   pg_catalog.obj_description(i.indexrelid, 'pg_class') AS comment
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
            JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
            JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
            WHERE i.indrelid = ANY($1::oid[]) AND (i.indisvalid OR tc.relkind = 'p') AND i.indisready
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                              WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
            ORDER BY tn.nspname, tc.relname, ic.relname
            """, [oids]).rows
        return rows.map { row in
            Index(name: QualifiedName(row.string("nspname"), row.string("index_name")),
                  table: QualifiedName(row.string("table_schema"), row.string("table_name")),
                  definition: row.string("definition"), clustered: row.bool("indisclustered"), comment: row["comment"])
        }
    }

    func readTriggers(oids: String) async throws -> [Trigger] {
        let rows = try await connection.query("""
            SELECT n.nspname, c.relname, t.tgname, pg_catalog.pg_get_triggerdef(t.oid, false) AS definition,
                   t.tgenabled::text AS enabled, pg_catalog.obj_description(t.oid, 'pg_trigger') AS comment
            FROM pg_catalog.pg_trigger t
            JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE t.tgrelid = ANY($1::oid[]) AND NOT t.tgisinternal AND t.tgparentid = 0
            ORDER BY n.nspname, c.relname, t.tgname
            """, [oids]).rows
        return rows.map { row in
            Trigger(name: row.string("tgname"), table: QualifiedName(row.string("nspname"), row.string("relname")),
                    definition: row.string("definition"), enabled: row.string("enabled"), comment: row["comment"])
        }
    }

    // MARK: - Helpers

    func notExtensionMember(_ oid: String, _ catalog: String) -> String {
        """
        NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.\(catalog)'::pg_catalog.regclass
                    AND e.objid = \(oid) AND e.deptype = 'e')
        """
    }

    /// Owner and non-default grants, read only when owners and privileges are included.
    func ownership(_ row: QueryResult.Row) async throws -> Ownership? {
        guard includeOwnership else { return nil }
        let owner = row.string("owner")
        guard let acl = row["acl"] else { return Ownership(owner: owner) }
        let grants = try await connection.query("""
            SELECT CASE WHEN a.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee,
                   a.privilege_type, a.is_grantable
            FROM pg_catalog.aclexplode($1::pg_catalog.aclitem[]) a ORDER BY 1, 2
            """, [acl]).rows.map {
                Grant(grantee: $0.string("grantee"), privilege: $0.string("privilege_type"), grantable: $0.bool("is_grantable"))
            }
        return Ownership(owner: owner, grants: grants, hasExplicitACL: true)
    }
}
