/// Turns a `SchemaCatalog` into target DDL, following pg_dump's sections (catalog-ddl.md §2):
/// pre-data (schemas, sequences, functions, tables), then per table its PK/UNIQUE and indexes
/// after its data, then foreign keys, triggers and the rest.
public struct DDLRenderer: Sendable {
    public struct Options: Sendable {
        /// Emit `ALTER … OWNER TO` and GRANTs (pg_dump without `--no-owner --no-privileges`).
        public var includeOwnership: Bool
        /// Foreign keys added `NOT VALID` because their parent's data is excluded.
        public var foreignKeysNotValid: Set<ConstraintID>

        public init(includeOwnership: Bool = false, foreignKeysNotValid: Set<ConstraintID> = []) {
            self.includeOwnership = includeOwnership
            self.foreignKeysNotValid = foreignKeysNotValid
        }
    }

    public var options: Options

    public init(options: Options = .init()) {
        self.options = options
    }

    public func render(_ catalog: SchemaCatalog) -> SchemaDDL {
        var ddl = SchemaDDL()
        for schema in catalog.schemas {
            let name = SQL.identifier(schema.name)
            ddl.preData.append(.init("CREATE SCHEMA \(name);", object: "SCHEMA \(schema.name)"))
            ddl.preData += comment("SCHEMA \(name)", schema.comment, object: "SCHEMA \(schema.name)")
            ddl.preData += owner("SCHEMA \(name)", schema.ownership, object: "SCHEMA \(schema.name)")
            ddl.privileges += grants("SCHEMA \(name)", schema.ownership, object: "SCHEMA \(schema.name)")
        }
        for sequence in catalog.sequences where sequence.identityOf == nil {
            ddl.preData += createSequence(sequence)
            ddl.privileges += grants("SEQUENCE \(sequence.name.sql)", sequence.ownership, object: "SEQUENCE \(sequence.name)")
        }
        for function in catalog.functions {
            let object = "\(function.kind == .procedure ? "PROCEDURE" : "FUNCTION") \(function.name)(\(function.identityArguments))"
            ddl.preData.append(.init(function.definition + ";", object: object))
            ddl.preData += comment(function.signature, function.comment, object: object)
            ddl.preData += owner(function.signature, function.ownership, object: object)
            ddl.privileges += grants(function.signature, function.ownership, object: object)
        }
        for table in catalog.tables {
            ddl.preData += createTable(table, catalog: catalog)
            ddl.privileges += grants("TABLE \(table.name.sql)", table.ownership, object: "TABLE \(table.name)")
        }
        for sequence in catalog.sequences {
            if let ownedBy = sequence.ownedBy, sequence.identityOf == nil {
                ddl.preData.append(.init(
                    "ALTER SEQUENCE \(sequence.name.sql) OWNED BY \(ownedBy.table.sql).\(SQL.identifier(ownedBy.column));",
                    object: "SEQUENCE OWNED BY \(sequence.name)"))
            }
            ddl.sequenceValues.append(.init(
                "SELECT pg_catalog.setval(\(SQL.literal(sequence.name.sql)), \(sequence.lastValue), \(sequence.isCalled));",
                object: "SEQUENCE SET \(sequence.name)"))
        }
        for table in catalog.tables {
            ddl.tablePostData[table.name] = tablePostData(table, catalog: catalog)
        }
        ddl.postData = postData(catalog)
        return ddl
    }

    // MARK: - Pre-data

    func createSequence(_ sequence: Sequence) -> [DDLStatement] {
        let object = "SEQUENCE \(sequence.name)"
        var sql = "CREATE \(sequence.unlogged ? "UNLOGGED " : "")SEQUENCE \(sequence.name.sql)"
        if sequence.dataType != "bigint" { sql += " AS \(sequence.dataType)" }
        sql += sequenceOptions(sequence) + ";"
        return [.init(sql, object: object)]
            + comment("SEQUENCE \(sequence.name.sql)", sequence.comment, object: object)
            + owner("SEQUENCE \(sequence.name.sql)", sequence.ownership, object: object)
    }

    /// ` START WITH … INCREMENT BY … MINVALUE … MAXVALUE … CACHE … [CYCLE]`, as pg_dump prints it.
    func sequenceOptions(_ sequence: Sequence) -> String {
        let (typeMin, typeMax): (Int64, Int64) = switch sequence.dataType {
        case "smallint": (Int64(Int16.min), Int64(Int16.max))
        case "integer": (Int64(Int32.min), Int64(Int32.max))
        default: (Int64.min, Int64.max)
        }
        let ascending = sequence.increment > 0
        let defaultMin = ascending ? 1 : typeMin
        let defaultMax = ascending ? typeMax : -1
        var text = "\n    START WITH \(sequence.start)\n    INCREMENT BY \(sequence.increment)"
        text += sequence.minValue == defaultMin ? "\n    NO MINVALUE" : "\n    MINVALUE \(sequence.minValue)"
        text += sequence.maxValue == defaultMax ? "\n    NO MAXVALUE" : "\n    MAXVALUE \(sequence.maxValue)"
        text += "\n    CACHE \(sequence.cache)"
        if sequence.cycle { text += "\n    CYCLE" }
        return text
    }

    func createTable(_ table: Table, catalog: SchemaCatalog) -> [DDLStatement] {
        let object = "TABLE \(table.name)"
        var items = table.columns.map(columnDefinition)
        for check in catalog.constraints
        where check.table == table.name && check.kind == .check && check.validated && check.isLocal {
            items.append("CONSTRAINT \(SQL.identifier(check.name)) \(check.definition)")
        }
        var sql = "CREATE \(table.unlogged ? "UNLOGGED " : "")TABLE \(table.name.sql) (\n    "
            + items.joined(separator: ",\n    ") + "\n)"
        if !table.reloptions.isEmpty { sql += "\nWITH (\(table.reloptions.joined(separator: ", ")))" }
        var statements: [DDLStatement] = [.init(sql + ";", object: object)]

        for column in table.columns {
            guard let identity = column.identity,
                  let sequence = catalog.sequences.first(where: {
                      $0.identityOf == ColumnReference(table: table.name, column: column.name)
                  }) else { continue }
            statements.append(.init(
                "ALTER TABLE ONLY \(table.name.sql) ALTER COLUMN \(SQL.identifier(column.name)) ADD GENERATED "
                    + "\(identity == .always ? "ALWAYS" : "BY DEFAULT") AS IDENTITY (\n    SEQUENCE NAME \(sequence.name.sql)"
                    + sequenceOptions(sequence) + "\n);",
                object: "IDENTITY \(table.name).\(column.name)"))
            statements += comment("SEQUENCE \(sequence.name.sql)", sequence.comment, object: "SEQUENCE \(sequence.name)")
        }
        if table.forceRowSecurity {
            statements.append(.init("ALTER TABLE ONLY \(table.name.sql) FORCE ROW LEVEL SECURITY;", object: object))
        }
        statements += comment("TABLE \(table.name.sql)", table.comment, object: object)
        for column in table.columns {
            statements += comment("COLUMN \(table.name.sql).\(SQL.identifier(column.name))", column.comment,
                                  object: "COLUMN \(table.name).\(column.name)")
        }
        statements += owner("TABLE \(table.name.sql)", table.ownership, object: object)
        return statements
    }

    func columnDefinition(_ column: Column) -> String {
        var text = "\(SQL.identifier(column.name)) \(column.type)"
        if let collation = column.collation { text += " COLLATE \(collation)" }
        if let generated = column.generated {
            text += " GENERATED ALWAYS AS (\(generated)) STORED"
        } else if let defaultExpression = column.defaultExpression {
            text += " DEFAULT \(defaultExpression)"
        }
        if column.notNull { text += " NOT NULL" }
        return text
    }

    // MARK: - Post-data

    /// A table's PK/UNIQUE constraints (index built first, then attached), its exclusion
    /// constraints and its other indexes: what can run as soon as its data has landed.
    func tablePostData(_ table: Table, catalog: SchemaCatalog) -> [DDLStatement] {
        var statements: [DDLStatement] = []
        let keys = catalog.constraints.filter {
            $0.table == table.name && ($0.kind == .primaryKey || $0.kind == .unique)
        }.sorted { ($0.kind == .primaryKey ? 0 : 1, $0.name) < ($1.kind == .primaryKey ? 0 : 1, $1.name) }
        for key in keys {
            let object = "CONSTRAINT \(key.name) ON \(table.name)"
            if let index = key.indexDefinition, table.kind == .ordinary {
                let clause = key.kind == .primaryKey ? "PRIMARY KEY" : "UNIQUE"
                statements.append(.init(index + ";", object: "INDEX \(table.name.schema).\(key.name)"))
                statements.append(.init(
                    "ALTER TABLE ONLY \(table.name.sql) ADD CONSTRAINT \(SQL.identifier(key.name)) \(clause) USING INDEX "
                        + SQL.identifier(key.name) + (key.deferrableClause.map { " " + $0 } ?? "") + ";",
                    object: object))
            } else {
                statements.append(.init(
                    "ALTER TABLE ONLY \(table.name.sql) ADD CONSTRAINT \(SQL.identifier(key.name)) \(key.definition);",
                    object: object))
            }
            statements += comment("CONSTRAINT \(SQL.identifier(key.name)) ON \(table.name.sql)", key.comment, object: object)
        }
        for exclusion in catalog.constraints where exclusion.table == table.name && exclusion.kind == .exclusion {
            let object = "CONSTRAINT \(exclusion.name) ON \(table.name)"
            statements.append(.init(
                "ALTER TABLE ONLY \(table.name.sql) ADD CONSTRAINT \(SQL.identifier(exclusion.name)) \(exclusion.definition);",
                object: object))
            statements += comment("CONSTRAINT \(SQL.identifier(exclusion.name)) ON \(table.name.sql)", exclusion.comment,
                                  object: object)
        }
        for index in catalog.indexes where index.table == table.name {
            let object = "INDEX \(index.name)"
            statements.append(.init(index.definition + ";", object: object))
            if index.clustered {
                statements.append(.init(
                    "ALTER TABLE \(table.name.sql) CLUSTER ON \(SQL.identifier(index.name.name));", object: object))
            }
            statements += comment("INDEX \(index.name.sql)", index.comment, object: object)
        }
        return statements
    }

    func postData(_ catalog: SchemaCatalog) -> [DDLStatement] {
        var statements: [DDLStatement] = []
        for check in catalog.constraints where check.kind == .check && !check.validated && check.isLocal {
            let object = "CONSTRAINT \(check.name) ON \(check.table)"
            statements.append(.init(
                "ALTER TABLE \(check.table.sql) ADD CONSTRAINT \(SQL.identifier(check.name)) \(check.definition);",
                object: object))
        }
        for foreignKey in catalog.constraints where foreignKey.kind == .foreignKey {
            let object = "FK CONSTRAINT \(foreignKey.name) ON \(foreignKey.table)"
            let notValid = options.foreignKeysNotValid.contains(foreignKey.id) && foreignKey.validated
            statements.append(.init(
                "ALTER TABLE ONLY \(foreignKey.table.sql) ADD CONSTRAINT \(SQL.identifier(foreignKey.name)) "
                    + foreignKey.definition + (notValid ? " NOT VALID" : "") + ";",
                object: object))
        }
        for constraint in catalog.constraints where constraint.kind == .foreignKey || constraint.kind == .check {
            statements += comment("CONSTRAINT \(SQL.identifier(constraint.name)) ON \(constraint.table.sql)",
                                  constraint.comment, object: "CONSTRAINT \(constraint.name) ON \(constraint.table)")
        }
        for trigger in catalog.triggers {
            let object = "TRIGGER \(trigger.name) ON \(trigger.table)"
            statements.append(.init(trigger.definition + ";", object: object))
            let state: String? = switch trigger.enabled {
            case "D": "DISABLE TRIGGER"
            case "R": "ENABLE REPLICA TRIGGER"
            case "A": "ENABLE ALWAYS TRIGGER"
            default: nil
            }
            if let state {
                statements.append(.init(
                    "ALTER TABLE \(trigger.table.sql) \(state) \(SQL.identifier(trigger.name));", object: object))
            }
            statements += comment("TRIGGER \(SQL.identifier(trigger.name)) ON \(trigger.table.sql)", trigger.comment,
                                  object: object)
        }
        for table in catalog.tables where table.rowSecurity {
            statements.append(.init("ALTER TABLE \(table.name.sql) ENABLE ROW LEVEL SECURITY;",
                                    object: "ROW SECURITY ON \(table.name)"))
        }
        return statements
    }

    // MARK: - Comments, owners, grants

    func comment(_ target: String, _ text: String?, object: String) -> [DDLStatement] {
        guard let text else { return [] }
        return [.init("COMMENT ON \(target) IS \(SQL.literal(text));", object: "COMMENT ON \(object)")]
    }

    func owner(_ target: String, _ ownership: Ownership?, object: String) -> [DDLStatement] {
        guard options.includeOwnership, let ownership else { return [] }
        return [.init("ALTER \(target) OWNER TO \(SQL.identifier(ownership.owner));", object: "OWNER OF \(object)")]
    }

    func grants(_ target: String, _ ownership: Ownership?, object: String) -> [DDLStatement] {
        guard options.includeOwnership, let ownership, ownership.hasExplicitACL else { return [] }
                var statements: [DDLStatement] = [
            .init("REVOKE ALL ON \(target) FROM PUBLIC;", object: "ACL \(object)"),
            .init("REVOKE ALL ON \(target) FROM \(SQL.identifier(ownership.owner));", object: "ACL \(object)"),
        ]
        for grant in ownership.grants {
            let grantee = grant.grantee.isEmpty ? "PUBLIC" : SQL.identifier(grant.grantee)
            statements.append(.init(
                "GRANT \(grant.privilege) ON \(target) TO \(grantee)\(grant.grantable ? " WITH GRANT OPTION" : "");",
                object: "ACL \(object)"))
        }
        return statements
    }
}

/// Identifies a constraint: its table and name.
public struct ConstraintID: Hashable, Sendable, CustomStringConvertible {
    public var table: QualifiedName
    public var name: String
    public init(table: QualifiedName, name: String) {
        self.table = table
        self.name = name
    }
    public var description: String { "\(name) on \(table)" }
}

extension Constraint {
    public var id: ConstraintID { ConstraintID(table: table, name: name) }
}
