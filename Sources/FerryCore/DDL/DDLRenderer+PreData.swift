/// Pre-data: one item per object, ordered later by `DependencyOrder`.
extension DDLRenderer {
    func collationItem(_ collation: Collation) -> PreDataItem {
        let object = "COLLATION \(collation.name)"
        let statements = [DDLStatement("CREATE COLLATION \(collation.name.sql) (\(collation.options.joined(separator: ", ")));",
                                       object: object)]
            + comment("COLLATION \(collation.name.sql)", collation.comment, object: object)
            + owner("COLLATION \(collation.name.sql)", collation.ownership, object: object)
        return PreDataItem(key: ObjectKey(.collation, collation.oid), rank: DependencyOrder.Rank.collation,
                           name: collation.name.description, statements: statements)
    }

    func typeItem(_ type: UserType, catalog: SchemaCatalog) -> PreDataItem {
        let object = "TYPE \(type.name)"
        var statements: [DDLStatement] = []
        switch type.definition {
        case .enumeration(let labels):
            statements.append(.init("CREATE TYPE \(type.name.sql) AS ENUM (\(labels.map(SQL.literal).joined(separator: ", ")));",
                                    object: object))
        case .composite(let attributes):
            let items = attributes.map { "\(SQL.identifier($0.name)) \($0.type)" + ($0.collation.map { " COLLATE \($0)" } ?? "") }
            statements.append(.init("CREATE TYPE \(type.name.sql) AS (\n    \(items.joined(separator: ",\n    "))\n);",
                                    object: object))
            for attribute in attributes {
                statements += comment("COLUMN \(type.name.sql).\(SQL.identifier(attribute.name))", attribute.comment,
                                      object: "COLUMN \(type.name).\(attribute.name)")
            }
        case let .domain(base, collation, defaultExpression, notNull):
            var sql = "CREATE DOMAIN \(type.name.sql) AS \(base)"
            if let collation { sql += " COLLATE \(collation)" }
            if let defaultExpression { sql += " DEFAULT \(defaultExpression)" }
            if notNull { sql += " NOT NULL" }
            for check in catalog.constraints where check.onDomain && check.table == type.name && check.validated {
                sql += "\n    CONSTRAINT \(SQL.identifier(check.name)) \(check.definition)"
            }
            statements.append(.init(sql + ";", object: object))
            for check in catalog.constraints where check.onDomain && check.table == type.name && check.validated {
                statements += comment("CONSTRAINT \(SQL.identifier(check.name)) ON DOMAIN \(type.name.sql)", check.comment,
                                      object: "CONSTRAINT \(check.name) ON \(type.name)")
            }
        case .range(let options):
            statements.append(.init("CREATE TYPE \(type.name.sql) AS RANGE (\n    \(options.joined(separator: ",\n    "))\n);",
                                    object: object))
        case .base(let options):
            statements.append(.init("CREATE TYPE \(type.name.sql) (\n    \(options.joined(separator: ",\n    "))\n);",
                                    object: object))
        case .shell:
            statements.append(.init("CREATE TYPE \(type.name.sql);", object: object))
        }
        statements += comment(type.signature, type.comment, object: object)
        statements += owner(type.signature, type.ownership, object: object)
        return PreDataItem(key: ObjectKey(.type, type.oid), rank: DependencyOrder.Rank.type, name: type.name.description,
                           statements: statements)
    }

    func functionItem(_ function: Function) -> PreDataItem {
        let object = "\(function.kind == .procedure ? "PROCEDURE" : "FUNCTION") \(function.name)(\(function.identityArguments))"
        let statements = [DDLStatement(function.definition.trimmingTrailingNewlines() + ";", object: object)]
            + comment(function.signature, function.comment, object: object)
            + owner(function.signature, function.ownership, object: object)
        return PreDataItem(key: ObjectKey(.function, function.oid), rank: DependencyOrder.Rank.function,
                           name: "\(function.name)(\(function.identityArguments))", statements: statements)
    }

    func aggregateItem(_ aggregate: Aggregate) -> PreDataItem {
        let object = "AGGREGATE \(aggregate.name)(\(aggregate.identityArguments))"
        let arguments = aggregate.arguments.isEmpty ? "*" : aggregate.arguments
        let statements = [DDLStatement(
            "CREATE AGGREGATE \(aggregate.name.sql)(\(arguments)) (\n    \(aggregate.options.joined(separator: ",\n    "))\n);",
            object: object)]
            + comment(aggregate.signature, aggregate.comment, object: object)
            + owner(aggregate.signature, aggregate.ownership, object: object)
        return PreDataItem(key: ObjectKey(.function, aggregate.oid), rank: DependencyOrder.Rank.aggregate,
                           name: object, statements: statements)
    }

    func operatorItem(_ sqlOperator: Operator) -> PreDataItem {
        let object = "OPERATOR \(sqlOperator.schema).\(sqlOperator.name)"
        let statements = [DDLStatement(
            "CREATE OPERATOR \(SQL.identifier(sqlOperator.schema)).\(sqlOperator.name) (\n    "
                + sqlOperator.options.joined(separator: ",\n    ") + "\n);", object: object)]
            + comment(sqlOperator.signature, sqlOperator.comment, object: object)
            + owner(sqlOperator.signature, sqlOperator.ownership, object: object)
        return PreDataItem(key: ObjectKey(.sqlOperator, sqlOperator.oid), rank: DependencyOrder.Rank.sqlOperator,
                           name: sqlOperator.signature, statements: statements)
    }

    func sequenceItem(_ sequence: Sequence) -> PreDataItem {
        PreDataItem(key: ObjectKey(.relation, sequence.oid), rank: DependencyOrder.Rank.sequence,
                    name: sequence.name.description, statements: createSequence(sequence))
    }

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

    func viewItem(_ view: View) -> PreDataItem {
        let kind = view.materialized ? "MATERIALIZED VIEW" : "VIEW"
        let object = "\(kind) \(view.name)"
        var sql = "CREATE \(kind) \(view.name.sql)"
        if let method = view.accessMethod, view.materialized { sql += " USING \(SQL.identifier(method))" }
        if !view.options.isEmpty { sql += " WITH (\(Self.optionList(view.options)))" }
        sql += " AS\n" + view.definition
        if let checkOption = view.checkOption { sql += "\n  WITH \(checkOption.uppercased()) CHECK OPTION" }
        if view.materialized { sql += "\n  WITH NO DATA" }
        var statements: [DDLStatement] = [.init(sql + ";", object: object)]
        statements += viewColumnSettings(view)
        statements += comment("\(kind) \(view.name.sql)", view.comment, object: object)
        for (column, text) in view.columnComments {
            statements += comment("COLUMN \(view.name.sql).\(SQL.identifier(column))", text, object: "COLUMN \(view.name).\(column)")
        }
        statements += owner("TABLE \(view.name.sql)", view.ownership, object: object)
        return PreDataItem(key: ObjectKey(.relation, view.oid),
                           rank: view.materialized ? DependencyOrder.Rank.materializedView : DependencyOrder.Rank.view,
                           name: view.name.description, statements: statements)
    }

    /// Right after the view, as pg_dump: a view's column defaults, a materialized view's column
    /// storage, compression, statistics targets and options.
    func viewColumnSettings(_ view: View) -> [DDLStatement] {
        let alter = "ALTER \(view.materialized ? "MATERIALIZED VIEW" : "VIEW") \(view.name.sql) ALTER COLUMN"
        var statements: [DDLStatement] = []
        for column in view.columnSettings {
            let name = SQL.identifier(column.name)
            let object = "COLUMN \(view.name).\(column.name)"
            if let expression = column.defaultExpression {
                statements.append(.init("\(alter) \(name) SET DEFAULT \(expression);", object: object))
            }
            statements += storageSettings(of: column, alter: "\(alter) \(name)", object: object)
        }
        return statements
    }

    /// After every object exists: `OWNED BY` of serial sequences and partitions attached to their
    /// parents, top-down.
    /// After every pre-data item: sequences' owning columns (`sequenceOwner`: the table, which
    /// may be created later), then partitions attached to their parents.
    func preDataFollowUps(_ catalog: SchemaCatalog) -> [(statement: DDLStatement, sequenceOwner: QualifiedName?)] {
        var statements: [(statement: DDLStatement, sequenceOwner: QualifiedName?)] = []
        for sequence in catalog.sequences {
            guard let ownedBy = sequence.ownedBy, sequence.identityOf == nil else { continue }
            statements.append((.init(
                "ALTER SEQUENCE \(sequence.name.sql) OWNED BY \(ownedBy.table.sql).\(SQL.identifier(ownedBy.column));",
                object: "SEQUENCE OWNED BY \(sequence.name)"), ownedBy.table))
        }
        let depths = catalog.partitionDepths
        let partitions = catalog.tables.filter { $0.partitionOf != nil }
            .sorted { (depths[$0.name] ?? 0, $0.name) < (depths[$1.name] ?? 0, $1.name) }
        for partition in partitions {
            guard let parent = partition.partitionOf, let bound = partition.partitionBound else { continue }
            statements.append((.init("ALTER TABLE ONLY \(parent.sql) ATTACH PARTITION \(partition.name.sql) \(bound);",
                                     object: "PARTITION \(partition.name) OF \(parent)"), nil))
        }
        return statements
    }
}

extension SchemaCatalog {
    /// Ordinary tables that no other object of the schemas needs to exist first (no view,
    /// routine, type, cast or table depends on them; no inheritance or partitioning): they may be
    /// created after the rest of pre-data, on another connection.
    public var tablesCreatableLater: Set<QualifiedName> {
        let needed = Set(dependencies.map(\.referenced))
        let parents = Set(tables.flatMap(\.inherits))
        return Set(tables.filter {
            $0.kind == .ordinary && $0.inherits.isEmpty && $0.partitionOf == nil && !parents.contains($0.name)
                && !needed.contains(ObjectKey(.relation, $0.oid))
        }.map(\.name))
    }

    /// Per table, 0 when it is no partition, 1 for a partition of such a table, and so on
    /// (one dictionary: looking each parent up in `tables` made sorting 1 000 partitions slow).
    public var partitionDepths: [QualifiedName: Int] {
        let parentOf = Dictionary(tables.map { ($0.name, $0.partitionOf) }, uniquingKeysWith: { first, _ in first })
        var depths: [QualifiedName: Int] = [:]
        for table in tables {
            var depth = 0
            var current = table.partitionOf
            while let parent = current, depth < 100 {
                depth += 1
                current = parentOf[parent] ?? nil
            }
            depths[table.name] = depth
        }
        return depths
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while text.last == "\n" { text.removeLast() }
        return String(text)
    }
}
