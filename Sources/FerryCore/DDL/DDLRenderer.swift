/// Turns a `SchemaCatalog` into target DDL, following pg_dump's sections (catalog-ddl.md §2):
/// pre-data in `pg_depend` order, then per table its keys and indexes after its data, then
/// foreign keys, triggers and the rest, grants, and materialized view refreshes last.
public struct DDLRenderer: Sendable {
    public struct Options: Sendable {
        /// Emit `ALTER … OWNER TO` and GRANTs (pg_dump without `--no-owner --no-privileges`).
        public var includeOwnership: Bool
        /// Foreign keys added `NOT VALID` because their parent's data is excluded.
        public var foreignKeysNotValid: Set<ConstraintID>
        /// Tables created in the data phase, each by the group that loads it (`SchemaDDL.tableCreation`):
        /// only ones `SchemaCatalog.tablesCreatableLater` names.
        public var tablesCreatedWithData: Set<QualifiedName>

        public init(includeOwnership: Bool = false, foreignKeysNotValid: Set<ConstraintID> = [],
                    tablesCreatedWithData: Set<QualifiedName> = []) {
            self.includeOwnership = includeOwnership
            self.foreignKeysNotValid = foreignKeysNotValid
            self.tablesCreatedWithData = tablesCreatedWithData
        }
    }

    public var options: Options

    public init(options: Options = .init()) {
        self.options = options
    }

    public func render(_ catalog: SchemaCatalog) -> SchemaDDL {
        var ddl = SchemaDDL()
        let lookup = CatalogLookup(catalog)
        for schema in catalog.schemas {
            ddl.preData += createSchema(schema)
            ddl.privileges += grants(of: schema)
        }
        for extensionObject in catalog.extensions {
            let object = "EXTENSION \(extensionObject.name)"
            let name = SQL.identifier(extensionObject.name)
            ddl.preData.append(.init("CREATE EXTENSION IF NOT EXISTS \(name) WITH SCHEMA \(SQL.identifier(extensionObject.schema));",
                                     object: object))
            ddl.preData += comment("EXTENSION \(name)", extensionObject.comment, object: object)
        }
        if let database = catalog.database {
            ddl.database = render(database)
            ddl.preData += preData(of: database)
        }
        // Base types start as shells, so their I/O functions can name them (catalog-ddl.md §2.3).
        ddl.preData += catalog.types.filter(\.isBase).map {
            DDLStatement("CREATE TYPE \($0.name.sql);", object: "SHELL TYPE \($0.name)")
        }
        var items: [PreDataItem] = catalog.collations.map(collationItem)
        items += catalog.types.map { typeItem($0, catalog: catalog) }
        items += catalog.functions.map(functionItem)
        items += catalog.aggregates.map(aggregateItem)
        items += catalog.operators.map(operatorItem)
        items += catalog.operatorClasses.map(operatorClassItem)
        items += catalog.textSearch.map(textSearchItem)
        items += catalog.casts.map { castItem($0, replacing: catalog.database != nil) }
        items += catalog.transforms.map(transformItem) + catalog.conversions.map(conversionItem)
        items += catalog.sequences.filter { $0.identityOf == nil }.map(sequenceItem)
        items += catalog.tables.map { tableItem($0, catalog: catalog, lookup: lookup) }
        items += catalog.views.map(viewItem)
        items += catalog.database?.languages.map(languageItem) ?? []
        let ordered = DependencyOrder.sort(items, dependencies: catalog.dependenciesAfterShellTypes
                                                      + (catalog.database?.languageDependencies ?? []))
        let postponed = Self.postponed(catalog)
        let waitsForKeys = { (item: PreDataItem) in item.key.map(postponed.contains) ?? false }
        let createdLater = Dictionary(uniqueKeysWithValues: catalog.tables.filter { options.tablesCreatedWithData.contains($0.name) }
            .map { (ObjectKey(.relation, $0.oid), $0.name) })
        for item in ordered where !waitsForKeys(item) {
            if let table = item.key.flatMap({ createdLater[$0] }) {
                ddl.tableCreation[table] = item.statements
            } else {
                ddl.preData += item.statements
            }
        }
        for statement in preDataFollowUps(catalog) {
            if let table = statement.sequenceOwner, options.tablesCreatedWithData.contains(table) {
                ddl.tableCreation[table, default: []].append(statement.statement)
            } else {
                ddl.preData.append(statement.statement)
            }
        }
        for sequence in catalog.sequences {
            ddl.sequenceValues.append(.init(
                "SELECT pg_catalog.setval(\(SQL.literal(sequence.name.sql)), \(sequence.lastValue), \(sequence.isCalled));",
                object: "SEQUENCE SET \(sequence.name)"))
        }
        for table in catalog.tables where table.holdsData {
            ddl.tablePostData[table.name] = keysAndIndexes(of: table.name, catalog: catalog, lookup: lookup)
        }
        ddl.postData = postData(catalog, postponed: ordered.filter(waitsForKeys).flatMap(\.statements))
        ddl.foreignKeys = foreignKeys(catalog, lookup: lookup)
        var owned: [(target: String, ownership: Ownership?)] = catalog.types.map { ($0.signature, $0.ownership) }
        owned += catalog.functions.map { ($0.signature, $0.ownership) }
        // GRANT names aggregates as functions.
        owned += catalog.aggregates.map { ("FUNCTION \($0.name.sql)(\($0.identityArguments))", $0.ownership) }
        owned += catalog.sequences.map { ("SEQUENCE \($0.name.sql)", $0.ownership) }
        owned += catalog.tables.map { ("TABLE \($0.name.sql)", $0.ownership) }
        owned += catalog.views.map { ("TABLE \($0.name.sql)", $0.ownership) }
        for (target, ownership) in owned {
            ddl.privileges += grants(target, ownership, object: target)
        }
        if options.includeOwnership {
            ddl.privileges += catalog.defaultPrivileges.flatMap(defaultPrivilegeStatements)
        }
        if let database = catalog.database { ddl.privileges += privileges(of: database) }
        // Refresh in pre-data order: a materialized view reading another comes after it.
        let populated = Set(catalog.views.filter { $0.materialized && $0.populated }.map(\.name))
        for item in ordered {
            guard case .relation = item.key?.objectClass,
                  let view = catalog.views.first(where: { ObjectKey(.relation, $0.oid) == item.key }),
                  populated.contains(view.name) else { continue }
            ddl.refresh.append(.init("REFRESH MATERIALIZED VIEW \(view.name.sql);", object: "MATERIALIZED VIEW \(view.name)"))
        }
        return ddl
    }

    /// Views and functions that rely on a key or index (`SchemaCatalog.needsKeys`) and the views
    /// and functions built on them: created in post-data once the keys exist, in pre-data order.
    static func postponed(_ catalog: SchemaCatalog) -> Set<ObjectKey> {
        let postponable = Set(catalog.views.map { ObjectKey(.relation, $0.oid) })
            .union(catalog.functions.map { ObjectKey(.function, $0.oid) })
            .union(catalog.aggregates.map { ObjectKey(.function, $0.oid) })
        var postponed = catalog.needsKeys.intersection(postponable)
        var changed = !postponed.isEmpty
        while changed {
            changed = false
            for dependency in catalog.dependencies
            where postponed.contains(dependency.referenced) && postponable.contains(dependency.object) {
                changed = postponed.insert(dependency.object).inserted || changed
            }
        }
        return postponed
    }

    /// `ALTER DEFAULT PRIVILEGES FOR ROLE r IN SCHEMA s GRANT … ON TABLES TO g`: in a schema they
    /// only add to the global defaults, so each grant is one statement and nothing is revoked.
    func defaultPrivilegeStatements(_ privileges: DefaultPrivileges) -> [DDLStatement] {
        let objects = switch privileges.objectType {
        case "r": "TABLES"
        case "S": "SEQUENCES"
        case "f": "FUNCTIONS"
        case "T": "TYPES"
        default: "SCHEMAS"
        }
        let prefix = "ALTER DEFAULT PRIVILEGES FOR ROLE \(SQL.identifier(privileges.ownership.owner)) "
            + "IN SCHEMA \(SQL.identifier(privileges.schema))"
        let object = "DEFAULT PRIVILEGES FOR \(objects) OF \(privileges.ownership.owner) IN \(privileges.schema)"
        return privileges.ownership.grants.map { grant in
            let grantee = grant.grantee.isEmpty ? "PUBLIC" : SQL.identifier(grant.grantee)
            return DDLStatement("\(prefix) GRANT \(grant.privilege) ON \(objects) TO \(grantee)"
                                    + (grant.grantable ? " WITH GRANT OPTION;" : ";"), object: object)
        }
    }

    func createSchema(_ schema: Schema) -> [DDLStatement] {
        let name = SQL.identifier(schema.name)
        let object = "SCHEMA \(schema.name)"
        var statements: [DDLStatement] = [.init("CREATE SCHEMA \(name);", object: object)]
        statements += comment("SCHEMA \(name)", schema.comment, object: object)
        if schema.name == "public", !options.includeOwnership, let ownership = schema.ownership,
           ownership.owner == "pg_database_owner" {
            // A new database's public schema belongs to pg_database_owner; recreate it that way.
            statements.append(.init("ALTER SCHEMA public OWNER TO pg_database_owner;", object: "OWNER OF \(object)"))
        }
        return statements + owner("SCHEMA \(name)", schema.ownership, object: object)
    }

    func grants(of schema: Schema) -> [DDLStatement] {
        let target = "SCHEMA \(SQL.identifier(schema.name))"
        if options.includeOwnership { return grants(target, schema.ownership, object: target) }
        // `public` keeps its grants to PUBLIC and pg_database_owner even without --owners:
        // applications rely on them and every target has those roles.
        guard schema.name == "public", var ownership = schema.ownership, ownership.hasExplicitACL else { return [] }
        ownership.grants = ownership.grants.filter { $0.grantee.isEmpty || $0.grantee == "pg_database_owner" }
        // The owner's own privileges stay as the target has them (on 14 the owner is a role that
        // may not exist on the target, so they are neither revoked nor granted).
        return grantStatements(target, ownership, object: target, revokeFromOwner: ownership.owner == "pg_database_owner")
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
        return grantStatements(target, ownership, object: object)
    }

    private func grantStatements(_ target: String, _ ownership: Ownership, object: String,
                                 revokeFromOwner: Bool = true) -> [DDLStatement] {
        var statements: [DDLStatement] = [.init("REVOKE ALL ON \(target) FROM PUBLIC;", object: "ACL \(object)")]
        if revokeFromOwner {
            statements.append(.init("REVOKE ALL ON \(target) FROM \(SQL.identifier(ownership.owner));", object: "ACL \(object)"))
        }
        for grant in ownership.grants {
            let grantee = grant.grantee.isEmpty ? "PUBLIC" : SQL.identifier(grant.grantee)
            statements.append(.init(
                "GRANT \(grant.privilege) ON \(target) TO \(grantee)\(grant.grantable ? " WITH GRANT OPTION" : "");",
                object: "ACL \(object)"))
        }
        return statements
    }

    /// `ALTER TABLE … DISABLE TRIGGER t` and friends for a non-default enabled state.
    func enabledState(_ enabled: String, kind: String, name: String, table: QualifiedName, object: String) -> [DDLStatement] {
        let state: String? = switch enabled {
        case "D": "DISABLE"
        case "R": "ENABLE REPLICA"
        case "A": "ENABLE ALWAYS"
        default: nil
        }
        guard let state else { return [] }
        return [.init("ALTER TABLE \(table.sql) \(state) \(kind) \(SQL.identifier(name));", object: object)]
    }

    /// `a='1', b='x'`: reloptions with their values quoted as literals.
    static func optionList(_ options: [String]) -> String {
        options.map { option in
            guard let equals = option.firstIndex(of: "=") else { return option }
            return option[..<equals] + "=" + SQL.literal(String(option[option.index(after: equals)...]))
        }.joined(separator: ", ")
    }
}

/// Identifies a constraint: its table (or domain) and name.
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
