/// What hangs off tables: constraints, indexes, triggers, rules, policies, statistics.
extension CatalogReader {
    func readConstraints(oids: [UInt32]) async throws -> [Constraint] {
        // A partition's keys are clones of its parent's (conparentid <> 0) but are recreated per
        // partition and attached; cloned foreign keys come with the parent's.
        let rows = try await connection.query("""
            SELECT n.nspname, c.relname, con.conname, con.contype, pg_catalog.pg_get_constraintdef(con.oid) AS definition,
                   con.convalidated, con.conislocal, con.condeferrable, con.condeferred,
                   CASE WHEN con.contype IN ('p', 'u') AND ic.relam = (SELECT oid FROM pg_catalog.pg_am WHERE amname = 'btree')
                        THEN pg_catalog.pg_get_indexdef(con.conindid) END AS index_definition,
                   coalesce(i.indisclustered, false) AS clustered, coalesce(i.indisreplident, false) AS replica_identity,
                   rn.nspname AS referenced_schema, rc.relname AS referenced_table,
                   pg_catalog.obj_description(con.oid, 'pg_constraint') AS comment
            FROM pg_catalog.pg_constraint con
            JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid AND con.contype IN ('p', 'u', 'x')
            LEFT JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
            LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
            LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE con.conrelid = ANY(\(oids)) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
              AND (con.conparentid = 0 OR con.contype IN ('p', 'u', 'x'))
            ORDER BY n.nspname, c.relname, con.conname
            """).rows
        return try rows.map { row in
            var constraint = try Constraint(
                name: row.string("conname"), table: QualifiedName(row.string("nspname"), row.string("relname")),
                kind: Constraint.Kind(rawValue: row.string("contype"))!, definition: row.string("definition"),
                validated: row.bool("convalidated"), isLocal: row.bool("conislocal"),
                indexDefinition: row.optionalString("index_definition"),
                deferrableClause: row.bool("condeferrable")
                    ? "DEFERRABLE" + (row.bool("condeferred") ? " INITIALLY DEFERRED" : "") : nil,
                referencedTable: row.optionalString("referenced_table").map { try QualifiedName(row.string("referenced_schema"), $0) },
                comment: row.optionalString("comment"))
            constraint.clustered = try row.bool("clustered")
            constraint.replicaIdentity = try row.bool("replica_identity")
            return constraint
        }
    }

    func readDomainConstraints(oids: [UInt32]) async throws -> [Constraint] {
        let rows = try await connection.query("""
            SELECT n.nspname, t.typname, con.conname, pg_catalog.pg_get_constraintdef(con.oid) AS definition,
                   con.convalidated, pg_catalog.obj_description(con.oid, 'pg_constraint') AS comment
            FROM pg_catalog.pg_constraint con
            JOIN pg_catalog.pg_type t ON t.oid = con.contypid
            JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            WHERE con.contypid = ANY(\(oids)) AND con.contype = 'c'
            ORDER BY n.nspname, t.typname, con.conname
            """).rows
        return try rows.map { row in
            var constraint = try Constraint(
                name: row.string("conname"), table: QualifiedName(row.string("nspname"), row.string("typname")), kind: .check,
                definition: row.string("definition"), validated: row.bool("convalidated"), comment: row.optionalString("comment"))
            constraint.onDomain = true
            return constraint
        }
    }

    func readIndexes(oids: [UInt32]) async throws -> [Index] {
        // PG 17 made attstattarget nullable (NULL = default); before, -1 meant default.
        let target = version >= 170000 ? "a.attstattarget" : "NULLIF(a.attstattarget, -1)"
        let rows = try await connection.query("""
            SELECT i.indexrelid, n.nspname, ic.relname AS index_name, tn.nspname AS table_schema, tc.relname AS table_name,
                   pg_catalog.pg_get_indexdef(i.indexrelid) AS definition, i.indisclustered, i.indisreplident,
                   ARRAY(SELECT a.attnum::text || '=' || \(unescaped: target)::text FROM pg_catalog.pg_attribute a
                         WHERE a.attrelid = i.indexrelid AND a.attnum > 0 AND \(unescaped: target) IS NOT NULL
                         ORDER BY a.attnum)::text[] AS column_statistics,
                   pg_catalog.obj_description(i.indexrelid, 'pg_class') AS comment
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
            JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
            JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
            WHERE i.indrelid = ANY(\(oids)) AND (i.indisvalid OR tc.relkind = 'p') AND i.indisready
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                              WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
            ORDER BY tn.nspname, tc.relname, ic.relname
            """).rows
        return try rows.map { row in
            var index = try Index(name: QualifiedName(row.string("nspname"), row.string("index_name")),
                              table: QualifiedName(row.string("table_schema"), row.string("table_name")),
                              definition: row.string("definition"), clustered: row.bool("indisclustered"),
                              comment: row.optionalString("comment"))
            index.oid = try row.oid("indexrelid")
            index.replicaIdentity = try row.bool("indisreplident")
            for entry in try row.optionalArray("column_statistics") ?? [] {
                let parts = entry.split(separator: "=")
                if parts.count == 2, let column = Int(parts[0]), let value = Int(parts[1]) { index.columnStatistics[column] = value }
            }
            return index
        }
    }

    /// Partition indexes (plain or backing a key) and the partitioned index each belongs to.
    func readIndexAttachments(oids: [UInt32], catalog: SchemaCatalog) async throws -> [IndexAttachment] {
        let rows = try await connection.query("""
            SELECT cn.nspname AS child_schema, c.relname AS child, pn.nspname AS parent_schema, p.relname AS parent,
                   tn.nspname AS table_schema, t.relname AS table_name
            FROM pg_catalog.pg_inherits inh
            JOIN pg_catalog.pg_class c ON c.oid = inh.inhrelid
            JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
            JOIN pg_catalog.pg_class p ON p.oid = inh.inhparent
            JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
            JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
            JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
            JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
            WHERE c.relkind IN ('i', 'I') AND i.indrelid = ANY(\(oids))
            ORDER BY 1, 2
            """).rows
        let depths = catalog.partitionDepths
        return try rows.map { row in
            try IndexAttachment(parent: QualifiedName(row.string("parent_schema"), row.string("parent")),
                            child: QualifiedName(row.string("child_schema"), row.string("child")),
                            depth: depths[QualifiedName(row.string("table_schema"), row.string("table_name"))] ?? 0)
        }
    }

    func readTriggers(oids: [UInt32]) async throws -> [Trigger] {
        // A partition's clone of its parent's trigger comes with the parent's.
        let rows = try await connection.query("""
            SELECT n.nspname, c.relname, t.tgname, pg_catalog.pg_get_triggerdef(t.oid, false) AS definition,
                   t.tgenabled::text AS enabled, pg_catalog.obj_description(t.oid, 'pg_trigger') AS comment
            FROM pg_catalog.pg_trigger t
            JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE t.tgrelid = ANY(\(oids)) AND NOT t.tgisinternal AND t.tgparentid = 0
            ORDER BY n.nspname, c.relname, t.tgname
            """).rows
        return try rows.map { row in
            try Trigger(name: row.string("tgname"), table: QualifiedName(row.string("nspname"), row.string("relname")),
                    definition: row.string("definition"), enabled: row.string("enabled"), comment: row.optionalString("comment"))
        }
    }

    func readRules(oids: [UInt32]) async throws -> [Rule] {
        let rows = try await connection.query("""
            SELECT n.nspname, c.relname, r.rulename, pg_catalog.pg_get_ruledef(r.oid) AS definition,
                   r.ev_enabled::text AS enabled, pg_catalog.obj_description(r.oid, 'pg_rewrite') AS comment
            FROM pg_catalog.pg_rewrite r
            JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE r.ev_class = ANY(\(oids)) AND r.rulename <> '_RETURN'
            ORDER BY n.nspname, c.relname, r.rulename
            """).rows
        return try rows.map { row in
            try Rule(name: row.string("rulename"), table: QualifiedName(row.string("nspname"), row.string("relname")),
                 definition: row.string("definition"), enabled: row.string("enabled"), comment: row.optionalString("comment"))
        }
    }

    func readPolicies(oids: [UInt32]) async throws -> [Policy] {
        let rows = try await connection.query("""
            SELECT n.nspname, c.relname, p.polname, p.polpermissive, p.polcmd::text AS command,
                   ARRAY(SELECT pg_catalog.pg_get_userbyid(r) FROM unnest(p.polroles) r WHERE r <> 0 ORDER BY 1)::text[] AS roles,
                   pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expression,
                   pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expression,
                   pg_catalog.obj_description(p.oid, 'pg_policy') AS comment
            FROM pg_catalog.pg_policy p
            JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE p.polrelid = ANY(\(oids))
            ORDER BY n.nspname, c.relname, p.polname
            """).rows
        let commands = ["r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"]
        return try rows.map { row in
            try Policy(name: row.string("polname"), table: QualifiedName(row.string("nspname"), row.string("relname")),
                   permissive: row.bool("polpermissive"), command: commands[row.string("command")] ?? "ALL",
                   roles: row.array("roles"), using: row.optionalString("using_expression"), withCheck: row.optionalString("check_expression"),
                   comment: row.optionalString("comment"))
        }
    }

    func readStatistics(oids: [UInt32]) async throws -> [ExtendedStatistics] {
        let target = version >= 170000 ? "s.stxstattarget" : "NULLIF(s.stxstattarget, -1)"
        let rows = try await connection.query("""
            SELECT n.nspname, s.stxname, pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition, \(unescaped: target) AS target,
                   pg_catalog.obj_description(s.oid, 'pg_statistic_ext') AS comment
            FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
            WHERE s.stxrelid = ANY(\(oids))
            ORDER BY n.nspname, s.stxname
            """).rows
        return try rows.map { row in
            try ExtendedStatistics(name: QualifiedName(row.string("nspname"), row.string("stxname")),
                               definition: row.string("definition"), statisticsTarget: row.optionalInt("target"),
                               comment: row.optionalString("comment"))
        }
    }
}
