/// Tables, their columns, sequences and views.
extension CatalogReader {
    func readTables(oids: [UInt32]) async throws -> [Table] {
        let rows = try await connection.query("""
            SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.reloptions::text[] AS reloptions,
                   -- The heap's and TOAST's main forks, each opened once (pg_table_size opens
                   -- the TOAST index too, and with the heap's size read again: 3× the time).
                   heap.size + coalesce(pg_catalog.pg_relation_size(NULLIF(c.reltoastrelid, 0)), 0) AS bytes,
                   c.reltuples::bigint AS reltuples, heap.size / pg_catalog.current_setting('block_size')::int AS blocks,
                   c.relrowsecurity, c.relforcerowsecurity, c.relreplident::text AS replident,
                   \(unescaped: Self.accessMethod("c")) AS access_method,
                   CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
                   CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
                   fs.srvname, \(unescaped: Self.optionItems("ft.ftoptions")) AS foreign_options,
                   pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
                   pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL (SELECT pg_catalog.pg_relation_size(c.oid) AS size) heap
            LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
            LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
            WHERE c.oid = ANY(\(oids))
            ORDER BY n.nspname, c.relname
            """).rows
        let parents = try await connection.query("""
            SELECT i.inhrelid, pn.nspname, p.relname, c.relispartition
            FROM pg_catalog.pg_inherits i
            JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
            JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
            JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
            WHERE i.inhrelid = ANY(\(oids)) ORDER BY i.inhrelid, i.inhseqno
            """).rows
        let columns = try await readColumns(oids: oids)
        let parentsOf = try Dictionary(grouping: parents) { try $0.oid("inhrelid") }
        var tables: [Table] = []
        for row in rows {
            let oid = try row.oid("oid")
            let parentRows = parentsOf[oid] ?? []
            let parentNames = try parentRows.map { try QualifiedName($0.string("nspname"), $0.string("relname")) }
            let partitionBound = try row.optionalString("partition_bound")
            let replicaIdentity = try row.string("replident")
            var table = try Table(
                oid: oid, name: QualifiedName(row.string("nspname"), row.string("relname")),
                kind: Table.Kind(rawValue: row.string("relkind")) ?? .ordinary,
                unlogged: row.string("relpersistence") == "u", reloptions: row.optionalArray("reloptions") ?? [],
                columns: columns[oid] ?? [], bytes: row.int64("bytes"), estimatedRows: row.int64("reltuples"),
                rowSecurity: row.bool("relrowsecurity"), forceRowSecurity: row.bool("relforcerowsecurity"),
                comment: row.optionalString("comment"), ownership: await ownership(row), partitionKey: row.optionalString("partition_key"),
                partitionOf: partitionBound != nil ? parentNames.first : nil, partitionBound: partitionBound,
                inherits: partitionBound != nil ? [] : parentNames, replicaIdentity: replicaIdentity == "d" ? nil : replicaIdentity)
            table.heapBlocks = try row.int64("blocks")
            table.foreignServer = try row.optionalString("srvname")
            table.foreignOptions = try row.optionalArray("foreign_options") ?? []
            table.accessMethod = try row.optionalString("access_method")
            tables.append(table)
        }
        return tables
    }

    func readColumns(oids: [UInt32]) async throws -> [UInt32: [Column]] {
        let compression = version >= 140000 ? "a.attcompression::text" : "''"
        // PG 17 made attstattarget nullable (NULL = default); before, -1 meant default.
        let statistics = version >= 170000 ? "a.attstattarget" : "NULLIF(a.attstattarget, -1)"
        // PG 18 stores each column's NOT NULL as a constraint (one per column at most).
        let notNullJoin = version >= 180000
            ? "nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey[1] = a.attnum" : "false"
        let rows = try await connection.query("""
            SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                   a.atttypid < 16384 AS builtin,
                   CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                        THEN \(unescaped: Self.collationName("a.attcollation")) END AS collation,
                   a.attnotnull, nn.conname AS not_null_name, nn.connoinherit AS not_null_no_inherit,
                   nn.convalidated AS not_null_validated, nn.conislocal AS not_null_local,
                   pg_catalog.obj_description(nn.oid, 'pg_constraint') AS not_null_comment, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default_expression,
                   a.attidentity, a.attgenerated, a.attislocal, pg_catalog.col_description(a.attrelid, a.attnum) AS comment,
                   CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
                   \(unescaped: compression) AS compression, \(unescaped: statistics) AS statistics, a.attoptions::text[] AS options,
                   \(unescaped: Self.optionItems("a.attfdwoptions")) AS foreign_options
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            LEFT JOIN pg_catalog.pg_constraint nn ON \(unescaped: notNullJoin)
            WHERE a.attrelid = ANY(\(oids)) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum
            """).rows
        var columns: [UInt32: [Column]] = [:]
        for row in rows {
            let generated = try row.string("attgenerated")
            let expression = try row.optionalString("default_expression")
            var column = try Column(
                name: row.string("attname"), type: row.string("type"), builtinType: row.bool("builtin"),
                collation: row.optionalString("collation"), notNull: row.bool("attnotnull"),
                defaultExpression: generated.isEmpty ? expression : nil,
                identity: Column.Identity(rawValue: row.string("attidentity")),
                generated: generated.isEmpty ? nil : expression, comment: row.optionalString("comment"))
            column.generatedVirtual = generated == "v"
            column.notNullConstraint = try row.optionalString("not_null_name").map {
                try NotNullConstraint(name: $0, noInherit: row.bool("not_null_no_inherit"), validated: row.bool("not_null_validated"),
                                      isLocal: row.bool("not_null_local"), comment: row.optionalString("not_null_comment"))
            }
            column.isLocal = try row.bool("attislocal")
            column.foreignOptions = try row.optionalArray("foreign_options") ?? []
            try Self.readStorageSettings(row, into: &column)
            try columns[row.oid("attrelid"), default: []].append(column)
        }
        return columns
    }

    /// A relation's table access method when `CREATE … USING` must name it: not heap, the
    /// default of every target session (a partitioned table records one only when given, 17+).
    static func accessMethod(_ relation: String) -> String {
        """
        (SELECT a.amname FROM pg_catalog.pg_am a WHERE a.oid = \(relation).relam
            AND (a.amname <> 'heap' OR \(relation).relkind = 'p'))
        """
    }

    /// A foreign-data options array (`{k=v}`) as `OPTIONS` items, `k 'v'`, in stored order; NULL when none.
    static func optionItems(_ options: String) -> String {
        """
        (SELECT pg_catalog.array_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value))
         FROM pg_catalog.pg_options_to_table(\(options)) o)
        """
    }

    static let storageNames = ["p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"]

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
            WHERE n.nspname = ANY(\(schemas)) AND c.relkind = 'S' AND \(unescaped: notExtensionMember("c.oid", "pg_class"))
            ORDER BY n.nspname, c.relname
            """).rows
        var sequences: [Sequence] = []
        for row in rows {
            let oid = try row.oid("oid")
            let name = try QualifiedName(row.string("nspname"), row.string("relname"))
            let column = try row.optionalString("table_name").map {
                try ColumnReference(table: QualifiedName(row.string("table_schema"), $0), column: row.string("column_name"))
            }
            let dependency = try row.optionalString("deptype")
            // Sequence values are not transactional: read them now, as pg_dump does. PG 18's
            // pg_get_sequence_data answers NULL for a sequence the role may not read.
            let state = try await version >= 180000
                ? connection.query("SELECT last_value, is_called FROM pg_catalog.pg_get_sequence_data(\(oid)::pg_catalog.regclass)").rows.first
                : connection.query("SELECT last_value, is_called FROM \(unescaped: name.sql)").rows.first
            var sequence = try Sequence(
                name: name, dataType: row.string("type"), start: row.int64("seqstart"),
                increment: row.int64("seqincrement"), minValue: row.int64("seqmin"), maxValue: row.int64("seqmax"),
                cache: row.int64("seqcache"), cycle: row.bool("seqcycle"), unlogged: row.string("relpersistence") == "u",
                lastValue: state.flatMap { try $0.decode("last_value", as: Int64?.self) } ?? row.int64("seqstart"),
                isCalled: state.flatMap { try $0.decode("is_called", as: Bool?.self) } ?? false,
                ownedBy: dependency == "a" ? column : nil, identityOf: dependency == "i" ? column : nil,
                comment: row.optionalString("comment"), ownership: await ownership(row))
            sequence.oid = oid
            sequences.append(sequence)
        }
        return sequences
    }

    func readViews(oids: [UInt32]) async throws -> [View] {
        let rows = try await connection.query("""
            SELECT c.oid, n.nspname, c.relname, c.relkind, pg_catalog.pg_get_viewdef(c.oid) AS definition,
                   c.reloptions::text[] AS reloptions, c.relispopulated, \(unescaped: Self.accessMethod("c")) AS access_method,
                   pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
                   pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = ANY(\(oids)) ORDER BY n.nspname, c.relname
            """).rows
        let columnComments = try await connection.query("""
            SELECT a.attrelid, a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS comment
            FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = ANY(\(oids)) AND a.attnum > 0 AND pg_catalog.col_description(a.attrelid, a.attnum) IS NOT NULL
            ORDER BY a.attrelid, a.attnum
            """).rows
        let settings = try await readViewColumnSettings(oids: oids)
        var views: [View] = []
        for row in rows {
            let oid = try row.oid("oid")
            let options = try row.optionalArray("reloptions") ?? []
            var definition = try row.string("definition")
            while definition.last == ";" || definition.last == "\n" { definition.removeLast() }
            views.append(try View(
                oid: oid, name: QualifiedName(row.string("nspname"), row.string("relname")),
                materialized: row.string("relkind") == "m", definition: definition,
                options: options.filter { !$0.hasPrefix("check_option=") },
                checkOption: options.first { $0.hasPrefix("check_option=") }.map { String($0.dropFirst("check_option=".count)) },
                populated: row.bool("relispopulated"),
                columnComments: columnComments.filter { try $0.oid("attrelid") == oid }
                    .map { try ($0.string("attname"), $0.string("comment")) },
                comment: row.optionalString("comment"), ownership: await ownership(row)))
            views[views.count - 1].columnSettings = settings[oid] ?? []
            views[views.count - 1].accessMethod = try row.optionalString("access_method")
        }
        return views
    }

    /// View columns with a default (`pg_attrdef` of the view), materialized view columns with
    /// storage, compression, a statistics target or options: what pg_dump adds after the view.
    func readViewColumnSettings(oids: [UInt32]) async throws -> [UInt32: [Column]] {
        let compression = version >= 140000 ? "a.attcompression::text" : "''"
        // PG 17 made attstattarget nullable (NULL = default); before, -1 meant default.
        let statistics = version >= 170000 ? "a.attstattarget" : "NULLIF(a.attstattarget, -1)"
        let rows = try await connection.query("""
            SELECT * FROM (
                SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default_expression,
                       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
                       \(unescaped: compression) AS compression, \(unescaped: statistics) AS statistics, a.attoptions::text[] AS options
                FROM pg_catalog.pg_attribute a
                JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                WHERE a.attrelid = ANY(\(oids)) AND a.attnum > 0 AND NOT a.attisdropped
            ) c
            WHERE c.default_expression IS NOT NULL OR c.storage IS NOT NULL OR c.compression IN ('p', 'l')
               OR c.statistics IS NOT NULL OR c.options IS NOT NULL
            ORDER BY c.attrelid, c.attnum
            """).rows
        var columns: [UInt32: [Column]] = [:]
        for row in rows {
            var column = try Column(name: row.string("attname"), type: row.string("type"),
                                    defaultExpression: row.optionalString("default_expression"))
            try Self.readStorageSettings(row, into: &column)
            try columns[row.oid("attrelid"), default: []].append(column)
        }
        return columns
    }

    /// The `storage`, `compression`, `statistics` and `options` columns of a column query.
    static func readStorageSettings(_ row: QueryResult.Row, into column: inout Column) throws {
        column.storage = try row.optionalString("storage").flatMap { storageNames[$0] }
        column.compression = try ["p": "pglz", "l": "lz4"][row.string("compression")]
        column.statisticsTarget = try row.optionalInt("statistics")
        column.options = try row.optionalArray("options") ?? []
    }
}
