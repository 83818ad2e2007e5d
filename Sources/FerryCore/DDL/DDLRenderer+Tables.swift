/// Tables: the pre-data `CREATE TABLE` item, and the keys and indexes built after the data.
extension DDLRenderer {
    func tableItem(_ table: Table, catalog: SchemaCatalog, lookup: CatalogLookup? = nil) -> PreDataItem {
        let kind = table.kind == .foreign ? "FOREIGN TABLE" : "TABLE"
        let object = "\(kind) \(table.name)"
        let inherits = !table.inherits.isEmpty
        var items = table.columns.filter { $0.isLocal || !inherits }.map { columnDefinition($0, table: table.name) }
        for check in constraints(on: table.name, in: catalog, lookup) where !check.onDomain && check.kind == .check
            && check.validated && (check.isLocal || table.partitionOf != nil) {
            items.append("CONSTRAINT \(SQL.identifier(check.name)) \(check.definition)")
        }
        var sql = "CREATE \(table.unlogged ? "UNLOGGED " : "")\(kind) \(table.name.sql) ("
            + (items.isEmpty ? "" : "\n    " + items.joined(separator: ",\n    ") + "\n") + ")"
        if inherits { sql += "\nINHERITS (\(table.inherits.map(\.sql).joined(separator: ", ")))" }
        if let key = table.partitionKey { sql += "\nPARTITION BY \(key)" }
        if let method = table.accessMethod, table.kind != .foreign { sql += "\nUSING \(SQL.identifier(method))" }
        if let server = table.foreignServer { sql += "\nSERVER \(SQL.identifier(server))" }
        if !table.foreignOptions.isEmpty { sql += "\nOPTIONS (\n    \(table.foreignOptions.joined(separator: ",\n    "))\n)" }
        if !table.reloptions.isEmpty { sql += "\nWITH (\(Self.optionList(table.reloptions)))" }
        var statements: [DDLStatement] = [.init(sql + ";", object: object)]
        statements += columnFollowUps(table, catalog: catalog)
        // A foreign table reports NOTHING and takes no REPLICA IDENTITY.
        if let identity = table.replicaIdentity, identity == "n" || identity == "f", table.kind != .foreign {
            statements.append(.init("ALTER TABLE ONLY \(table.name.sql) REPLICA IDENTITY \(identity == "n" ? "NOTHING" : "FULL");",
                                    object: object))
        }
        if table.forceRowSecurity {
            statements.append(.init("ALTER TABLE ONLY \(table.name.sql) FORCE ROW LEVEL SECURITY;", object: object))
        }
        statements += comment("\(kind) \(table.name.sql)", table.comment, object: object)
        for column in table.columns {
            statements += comment("COLUMN \(table.name.sql).\(SQL.identifier(column.name))", column.comment,
                                  object: "COLUMN \(table.name).\(column.name)")
            if let constraint = column.notNullConstraint, column.validNotNull {
                statements += comment("CONSTRAINT \(SQL.identifier(constraint.name)) ON \(table.name.sql)", constraint.comment,
                                      object: "CONSTRAINT \(constraint.name) ON \(table.name)")
            }
        }
        statements += owner("TABLE \(table.name.sql)", table.ownership, object: object)
        return PreDataItem(key: ObjectKey(.relation, table.oid), rank: DependencyOrder.Rank.table,
                           name: table.name.description, statements: statements)
    }

    func columnDefinition(_ column: Column, table: QualifiedName) -> String {
        var text = "\(SQL.identifier(column.name)) \(column.type)"
        if !column.foreignOptions.isEmpty { text += " OPTIONS (\(column.foreignOptions.joined(separator: ", ")))" }
        if let collation = column.collation { text += " COLLATE \(collation)" }
        if let generated = column.generated {
            text += " GENERATED ALWAYS AS (\(generated))\(column.generatedVirtual ? "" : " STORED")"
        } else if let defaultExpression = column.defaultExpression {
            text += " DEFAULT \(defaultExpression)"
        }
        if column.validNotNull {
            if let name = column.notNullConstraint?.name, name != "\(table.name)_\(column.name)_not_null" {
                text += " CONSTRAINT \(SQL.identifier(name))"
            }
            text += " NOT NULL"
            if column.notNullConstraint?.noInherit == true { text += " NO INHERIT" }
        }
        return text
    }

    /// Identity, per-column settings, and an inheritance child's own defaults and NOT NULLs.
    func columnFollowUps(_ table: Table, catalog: SchemaCatalog) -> [DDLStatement] {
        var statements: [DDLStatement] = []
        let alter = "ALTER TABLE ONLY \(table.name.sql) ALTER COLUMN"
        for column in table.columns {
            let name = SQL.identifier(column.name)
            let object = "COLUMN \(table.name).\(column.name)"
            if !column.isLocal && !table.inherits.isEmpty {
                let inherited = table.inherits.compactMap { catalog.table($0)?.columns.first { $0.name == column.name } }.first
                if column.defaultExpression != inherited?.defaultExpression {
                    statements.append(.init(column.defaultExpression.map { "\(alter) \(name) SET DEFAULT \($0);" }
                                                ?? "\(alter) \(name) DROP DEFAULT;", object: object))
                }
                if column.validNotNull && inherited?.validNotNull == false {
                    statements.append(.init(column.notNullConstraint.map {
                        "ALTER TABLE ONLY \(table.name.sql) ADD CONSTRAINT \(SQL.identifier($0.name)) NOT NULL \(name);"
                    } ?? "\(alter) \(name) SET NOT NULL;", object: object))
                }
            }
            if let identity = column.identity,
               let sequence = catalog.sequences.first(where: { $0.identityOf == ColumnReference(table: table.name, column: column.name) }) {
                // A partitioned table takes identity only for the whole tree (PG 17+), so not ONLY.
                let identityAlter = table.kind == .partitioned ? "ALTER TABLE \(table.name.sql) ALTER COLUMN" : alter
                statements.append(.init(
                    "\(identityAlter) \(name) ADD GENERATED \(identity == .always ? "ALWAYS" : "BY DEFAULT") AS IDENTITY (\n"
                        + "    SEQUENCE NAME \(sequence.name.sql)" + sequenceOptions(sequence) + "\n);",
                    object: "IDENTITY \(table.name).\(column.name)"))
                statements += comment("SEQUENCE \(sequence.name.sql)", sequence.comment, object: "SEQUENCE \(sequence.name)")
            }
            statements += storageSettings(of: column, alter: "\(alter) \(name)", object: object)
        }
        return statements
    }

    /// A column's storage, compression, statistics target and options, where they differ from
    /// the defaults: `alter` is `ALTER … ALTER COLUMN name`.
    func storageSettings(of column: Column, alter: String, object: String) -> [DDLStatement] {
        var statements: [DDLStatement] = []
        if let storage = column.storage { statements.append(.init("\(alter) SET STORAGE \(storage);", object: object)) }
        if let compression = column.compression {
            statements.append(.init("\(alter) SET COMPRESSION \(compression);", object: object))
        }
        if let target = column.statisticsTarget { statements.append(.init("\(alter) SET STATISTICS \(target);", object: object)) }
        if !column.options.isEmpty {
            statements.append(.init("\(alter) SET (\(column.options.joined(separator: ", ")));", object: object))
        }
        return statements
    }

    /// A relation's PK/UNIQUE (for a plain table: the index first, then `ADD CONSTRAINT … USING
    /// INDEX`), exclusion constraints and other indexes: what can run once its data is in. Each
    /// index is a build of its own, so several can run at once; what needs them comes after.
    func keysAndIndexes(of relation: QualifiedName, catalog: SchemaCatalog, lookup: CatalogLookup? = nil) -> TableIndexing {
        let partitioned = table(relation, in: catalog, lookup)?.kind == .partitioned
        var indexing = TableIndexing()
        let keys = constraints(on: relation, in: catalog, lookup).filter {
            !$0.onDomain && ($0.kind == .primaryKey || $0.kind == .unique || $0.kind == .exclusion)
        }.sorted { ($0.kind.order, $0.name) < ($1.kind.order, $1.name) }
        for key in keys {
            let object = "CONSTRAINT \(key.name) ON \(relation)"
            let name = SQL.identifier(key.name)
            if let index = key.indexDefinition, !partitioned, key.kind != .exclusion {
                indexing.builds.append([.init(index + ";", object: "INDEX \(relation.schema).\(key.name)")])
                indexing.then.append(.init(
                    "ALTER TABLE ONLY \(relation.sql) ADD CONSTRAINT \(name) \(key.kind == .primaryKey ? "PRIMARY KEY" : "UNIQUE") "
                        + "USING INDEX \(name)" + (key.deferrableClause.map { " " + $0 } ?? "") + ";",
                    object: object))
            } else {
                indexing.then.append(.init("ALTER TABLE ONLY \(relation.sql) ADD CONSTRAINT \(name) \(key.definition);",
                                           object: object))
            }
            indexing.then += comment("CONSTRAINT \(name) ON \(relation.sql)", key.comment, object: object)
        }
        for index in indexes(on: relation, in: catalog, lookup) {
            let object = "INDEX \(index.name)"
            indexing.builds.append([.init(index.definition + ";", object: object)]
                + comment("INDEX \(index.name.sql)", index.comment, object: object))
            // Statistics targets of expression columns, once the index is built (as pg_dump).
            for (column, target) in index.columnStatistics.sorted(by: { $0.key < $1.key }) {
                indexing.then.append(.init("ALTER INDEX \(index.name.sql) ALTER COLUMN \(column) SET STATISTICS \(target);",
                                           object: object))
            }
            if index.clustered {
                indexing.then.append(.init("ALTER TABLE \(relation.sql) CLUSTER ON \(SQL.identifier(index.name.name));",
                                           object: object))
            }
            if index.replicaIdentity {
                indexing.then.append(.init("ALTER TABLE ONLY \(relation.sql) REPLICA IDENTITY USING INDEX \(SQL.identifier(index.name.name));",
                                           object: object))
            }
        }
        for key in keys where key.clustered {
            indexing.then.append(.init("ALTER TABLE \(relation.sql) CLUSTER ON \(SQL.identifier(key.name));",
                                       object: "CONSTRAINT \(key.name) ON \(relation)"))
        }
        for key in keys where key.replicaIdentity {
            indexing.then.append(.init("ALTER TABLE ONLY \(relation.sql) REPLICA IDENTITY USING INDEX \(SQL.identifier(key.name));",
                                       object: "CONSTRAINT \(key.name) ON \(relation)"))
        }
        return indexing
    }
}

extension Constraint.Kind {
    /// Primary keys first, then unique constraints, then exclusion constraints.
    var order: Int {
        switch self {
        case .primaryKey: 0
        case .unique: 1
        case .exclusion: 2
        case .check: 3
        case .foreignKey: 4
        }
    }
}
