/// The target DDL of what a whole-database move carries outside the schemas, split by when it
/// runs (pg_dump's order: these before the schemas' objects, publications after the data, event
/// triggers at the very end).
public struct DatabaseDDL: Sendable, Equatable {
    /// First in the pre-data transaction, before any schema is dropped: event triggers and
    /// publications of the same names (an event trigger left by an earlier run would fire on it).
    public var cleanup: [DDLStatement] = []
    /// After post-data: publications.
    public var postData: [DDLStatement] = []
    /// At the very end: event triggers, enabled as on the source.
    public var last: [DDLStatement] = []

    public init() {}
}

extension DDLRenderer {
    func render(_ database: DatabaseWide) -> DatabaseDDL {
        var ddl = DatabaseDDL()
        ddl.cleanup = database.eventTriggers.map { .init("DROP EVENT TRIGGER IF EXISTS \(SQL.identifier($0.name));",
                                                       object: "EVENT TRIGGER \($0.name)") }
            + database.publications.map { .init("DROP PUBLICATION IF EXISTS \(SQL.identifier($0.name));",
                                                object: "PUBLICATION \($0.name)") }
        ddl.postData = database.publications.flatMap(publicationStatements)
        ddl.last = database.eventTriggers.flatMap(eventTriggerStatements)
        return ddl
    }

    /// A language, ordered among the functions: after its handlers, before the routines in it.
    func languageItem(_ language: ProceduralLanguage) -> PreDataItem {
        let name = SQL.identifier(language.name), object = "LANGUAGE \(language.name)"
        var sql = "CREATE OR REPLACE \(language.trusted ? "TRUSTED " : "")PROCEDURAL LANGUAGE \(name)"
        if let handler = language.handler { sql += " HANDLER \(handler)" }
        if let inline = language.inline { sql += " INLINE \(inline)" }
        if let validator = language.validator { sql += " VALIDATOR \(validator)" }
        let statements = [DDLStatement(sql + ";", object: object)] + comment("LANGUAGE \(name)", language.comment, object: object)
            + owner("LANGUAGE \(name)", language.ownership, object: object)
        return PreDataItem(key: ObjectKey(.language, language.oid), rank: DependencyOrder.Rank.function, name: object,
                           statements: statements)
    }

    /// Pre-data, after the extensions: foreign-data wrappers, servers, user mappings, access
    /// methods (each dropped first if an earlier run left it).
    func preData(of database: DatabaseWide) -> [DDLStatement] {
        var statements: [DDLStatement] = []
        // Dropped in reverse order of creation: mappings, servers, wrappers.
        statements += database.userMappings.map {
            .init("DROP USER MAPPING IF EXISTS FOR \(Self.mappedUser($0.user)) SERVER \(SQL.identifier($0.server));",
                  object: "USER MAPPING FOR \($0.user) SERVER \($0.server)")
        }
        statements += database.foreignServers.map { .init("DROP SERVER IF EXISTS \(SQL.identifier($0.name));", object: "SERVER \($0.name)") }
        statements += database.foreignDataWrappers.map {
            .init("DROP FOREIGN DATA WRAPPER IF EXISTS \(SQL.identifier($0.name));", object: "FOREIGN DATA WRAPPER \($0.name)")
        }
        for wrapper in database.foreignDataWrappers {
            let target = "FOREIGN DATA WRAPPER \(SQL.identifier(wrapper.name)) ", object = "FOREIGN DATA WRAPPER \(wrapper.name)"
            var sql = "CREATE \(target)"
            sql += wrapper.handler.map { "HANDLER \($0)" } ?? "NO HANDLER"
            sql += wrapper.validator.map { " VALIDATOR \($0)" } ?? " NO VALIDATOR"
            statements += [.init(sql + Self.options(wrapper.options) + ";", object: object)]
                + comment(target, wrapper.comment, object: object) + owner(target, wrapper.ownership, object: object)
        }
        for server in database.foreignServers {
            let target = "SERVER \(SQL.identifier(server.name))", object = "SERVER \(server.name)"
            var sql = "CREATE \(target)"
            if let type = server.type { sql += " TYPE \(SQL.literal(type))" }
            if let version = server.version { sql += " VERSION \(SQL.literal(version))" }
            sql += " FOREIGN DATA WRAPPER \(SQL.identifier(server.wrapper))" + Self.options(server.options)
            statements += [.init(sql + ";", object: object)] + comment(target, server.comment, object: object)
                + owner(target, server.ownership, object: object)
        }
        for mapping in database.userMappings {
            // Credentials move only with ownership (as pg_dump's user mappings come with --no-owner off).
            let options = options.includeOwnership ? mapping.options : mapping.options.filter { !UserMappingDefinition.looksSecret($0) }
            var statement = DDLStatement("CREATE USER MAPPING FOR \(Self.mappedUser(mapping.user)) SERVER "
                + "\(SQL.identifier(mapping.server))\(Self.options(options));", object: "USER MAPPING FOR \(mapping.user) SERVER \(mapping.server)")
            statement.hidesValues = !options.isEmpty
            statements.append(statement)
        }
        for method in database.accessMethods {
            let name = SQL.identifier(method.name), object = "ACCESS METHOD \(method.name)"
            statements += [.init("DROP ACCESS METHOD IF EXISTS \(name);", object: object),
                            .init("CREATE ACCESS METHOD \(name) TYPE \(method.type) HANDLER \(method.handler);", object: object)]
                + comment("ACCESS METHOD \(name)", method.comment, object: object)
        }
        return statements
    }

    /// Grants on languages, wrappers and servers, and default privileges that name no schema.
    func privileges(of database: DatabaseWide) -> [DDLStatement] {
        var statements = database.languages.flatMap { grants("LANGUAGE \(SQL.identifier($0.name))", $0.ownership, object: "LANGUAGE \($0.name)") }
        statements += database.foreignDataWrappers.flatMap {
            grants("FOREIGN DATA WRAPPER \(SQL.identifier($0.name))", $0.ownership, object: "FOREIGN DATA WRAPPER \($0.name)")
        }
        statements += database.foreignServers.flatMap {
            grants("FOREIGN SERVER \(SQL.identifier($0.name))", $0.ownership, object: "SERVER \($0.name)")
        }
        guard options.includeOwnership else { return statements }
        for privileges in database.defaultPrivileges {
            let prefix = "ALTER DEFAULT PRIVILEGES FOR ROLE \(SQL.identifier(privileges.role)) "
            let object = "DEFAULT PRIVILEGES FOR \(privileges.objects) OF \(privileges.role)"
            statements += privileges.revokes.map {
                .init("\(prefix)REVOKE \($0.privilege) ON \(privileges.objects) FROM \(Self.grantee($0.grantee));", object: object)
            }
            statements += privileges.grants.map {
                .init("\(prefix)GRANT \($0.privilege) ON \(privileges.objects) TO \(Self.grantee($0.grantee))"
                      + ($0.grantable ? " WITH GRANT OPTION;" : ";"), object: object)
            }
        }
        return statements
    }

    /// As pg_dump: the publication with its options, then each table and schema added to it.
    func publicationStatements(_ publication: Publication) -> [DDLStatement] {
        let name = SQL.identifier(publication.name), object = "PUBLICATION \(publication.name)"
        var with = ["publish = \(SQL.literal(publication.publish.joined(separator: ", ")))"]
        if publication.viaPartitionRoot { with.append("publish_via_partition_root = true") }
        var statements = [DDLStatement("CREATE PUBLICATION \(name)\(publication.allTables ? " FOR ALL TABLES" : "") "
                                       + "WITH (\(with.joined(separator: ", ")));", object: object)]
        statements += comment("PUBLICATION \(name)", publication.comment, object: object)
        statements += owner("PUBLICATION \(name)", Ownership(owner: publication.owner), object: object)
        for member in publication.tables {
            var sql = "ALTER PUBLICATION \(name) ADD TABLE ONLY \(member.table.sql)"
            if let columns = member.columns { sql += " (\(SQL.identifierList(columns)))" }
            if let filter = member.filter { sql += " WHERE (\(filter))" }
            statements.append(.init(sql + ";", object: "PUBLICATION TABLE \(publication.name) \(member.table)"))
        }
        statements += publication.schemas.map {
            .init("ALTER PUBLICATION \(name) ADD TABLES IN SCHEMA \(SQL.identifier($0));", object: "PUBLICATION TABLES IN SCHEMA \($0)")
        }
        return statements
    }

    func eventTriggerStatements(_ trigger: EventTrigger) -> [DDLStatement] {
        let name = SQL.identifier(trigger.name), object = "EVENT TRIGGER \(trigger.name)"
        let when = trigger.tags.isEmpty ? "" : "\n    WHEN TAG IN (\(trigger.tags.map(SQL.literal).joined(separator: ", ")))"
        var statements = [DDLStatement("CREATE EVENT TRIGGER \(name) ON \(SQL.identifier(trigger.event))\(when)\n"
                                       + "    EXECUTE FUNCTION \(trigger.function)();", object: object)]
        let state: String? = switch trigger.enabled {
        case "D": "DISABLE"
        case "R": "ENABLE REPLICA"
        case "A": "ENABLE ALWAYS"
        default: nil
        }
        if let state { statements.append(.init("ALTER EVENT TRIGGER \(name) \(state);", object: object)) }
        return statements + comment("EVENT TRIGGER \(name)", trigger.comment, object: object)
            + owner("EVENT TRIGGER \(name)", Ownership(owner: trigger.owner), object: object)
    }

    /// `ALTER DATABASE d SET …`, the comment on `d`, and `ALTER ROLE r IN DATABASE d SET …` for the
    /// roles of `existingRoles` (a role the target lacks is left out): `d` is the target's database.
    public func settingStatements(_ database: DatabaseWide, in target: String, existingRoles: Set<String>) -> [DDLStatement] {
        let name = SQL.identifier(target)
        var statements = comment("DATABASE \(name)", database.comment, object: "DATABASE")
        statements += database.settings.compactMap { setting in
            ClusterRoles.assignment(setting).map { .init("ALTER DATABASE \(name) SET \($0);", object: "DATABASE SETTING") }
        }
        for (role, settings) in database.roleSettings.sorted(by: { $0.key < $1.key }) where existingRoles.contains(role) {
            statements += settings.compactMap { setting in
                ClusterRoles.assignment(setting).map {
                    .init("ALTER ROLE \(SQL.identifier(role)) IN DATABASE \(name) SET \($0);", object: "SETTINGS OF ROLE \(role)")
                }
            }
        }
        return statements
    }

    /// ` OPTIONS (name 'value', …)` from `name=value` items, or nothing.
    static func options(_ items: [String]) -> String {
        let pairs = items.compactMap { item -> String? in
            guard let equals = item.firstIndex(of: "=") else { return nil }
            return SQL.identifier(String(item[..<equals])) + " " + SQL.literal(String(item[item.index(after: equals)...]))
        }
        return pairs.isEmpty ? "" : " OPTIONS (\(pairs.joined(separator: ", ")))"
    }

    static func mappedUser(_ user: String) -> String { user == "public" ? "PUBLIC" : SQL.identifier(user) }
    static func grantee(_ grantee: String) -> String { grantee.isEmpty ? "PUBLIC" : SQL.identifier(grantee) }
}
