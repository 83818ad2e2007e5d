/// What `pg_dump` without `-n` carries at database level, outside any schema: read only for a
/// whole-database move (`--all-schemas`).
public struct DatabaseWide: Sendable, Equatable {
    /// Procedural languages that no extension made (`CREATE LANGUAGE`).
    public var languages: [ProceduralLanguage] = []
    public var foreignDataWrappers: [ForeignDataWrapper] = []
    public var foreignServers: [ForeignServer] = []
    public var userMappings: [UserMappingDefinition] = []
    /// Access methods that no extension made (`CREATE ACCESS METHOD`).
    public var accessMethods: [AccessMethod] = []
    public var publications: [Publication] = []
    /// Subscriptions' names: reported, never created (as `pg_dump --no-subscriptions`).
    public var subscriptions: [String] = []
    /// Created last, after data and post-data, so none fires during the run.
    public var eventTriggers: [EventTrigger] = []
    public var comment: String?
    /// `ALTER DATABASE … SET`, as `pg_db_role_setting` stores them: `name=value`.
    public var settings: [String] = []
    /// `ALTER ROLE r IN DATABASE … SET`, per role.
    public var roleSettings: [String: [String]] = [:]
    /// `ALTER DEFAULT PRIVILEGES FOR ROLE r …` naming no schema (with ownership only).
    public var defaultPrivileges: [GlobalDefaultPrivileges] = []
    /// Configuration tables and sequences of the extensions the run creates
    /// (`pg_extension_config_dump`): the rows their condition selects are data, as in pg_dump.
    public var extensionConfigurations: [ExtensionConfiguration] = []

    public init() {}

    /// A language comes after its handler functions and before the routines written in it.
    public var languageDependencies: [Dependency] {
        languages.flatMap { language in
            let key = ObjectKey(.language, language.oid)
            return language.supportFunctions.map { Dependency(object: key, referenced: ObjectKey(.function, $0)) }
                + language.routines.map { Dependency(object: ObjectKey(.function, $0), referenced: key) }
        }
    }

    /// The roles these objects name, for `--roles`: owners and grantees with ownership, the users of
    /// user mappings always (the mapping cannot exist without its role).
    public func rolesNamed(includingOwnership: Bool) -> [String] {
        var roles = Set(userMappings.map(\.user).filter { $0 != "public" })
        if includingOwnership {
            var ownerships = languages.map(\.ownership) + foreignDataWrappers.map(\.ownership) + foreignServers.map(\.ownership)
            ownerships += publications.map(\.owner).map { Ownership(owner: $0) } + eventTriggers.map { Ownership(owner: $0.owner) }
            for ownership in ownerships {
                roles.insert(ownership.owner)
                roles.formUnion(ownership.grants.map(\.grantee).filter { !$0.isEmpty })
            }
            for privileges in defaultPrivileges {
                roles.insert(privileges.role)
                roles.formUnion((privileges.grants + privileges.revokes).map(\.grantee).filter { !$0.isEmpty })
            }
        }
        return roles.sorted()
    }

    /// One line per object, for the plan: what a whole-database run creates besides the schemas.
    public var summary: [String] {
        var lines = languages.map { "language \(SQL.display($0.name))" }
        lines += foreignDataWrappers.map { "foreign-data wrapper \(SQL.display($0.name))" }
        lines += foreignServers.map { "server \(SQL.display($0.name))" }
        lines += userMappings.map { "user mapping for \(SQL.display($0.user)) on server \(SQL.display($0.server))" }
        lines += accessMethods.map { "access method \(SQL.display($0.name))" }
        lines += publications.map { "publication \(SQL.display($0.name))" }
        lines += eventTriggers.map { "event trigger \(SQL.display($0.name)) (created last)" }
        if comment != nil { lines.append("the database's comment") }
        lines += settings.map { "database setting \($0.prefix { $0 != "=" })" }
        lines += roleSettings.keys.sorted().map(Self.roleSettingsDescription)
        lines += defaultPrivileges.map { "default privileges of \(SQL.display($0.role)) on \($0.objects.lowercased())" }
        lines += extensionConfigurations.map {
            "the rows of \($0.table)\($0.condition.isEmpty ? "" : " \($0.condition)") (configuration of extension \($0.extensionName))"
        }
        return lines
    }
}

public struct ProceduralLanguage: Sendable, Equatable {
    public var oid: UInt32
    public var name: String
    public var trusted: Bool
    /// `regprocedure`-less names: `schema.function` quoted, or nil.
    public var handler: String?
    public var inline: String?
    public var validator: String?
    public var comment: String?
    public var ownership: Ownership
    /// OIDs of its handler, inline and validator functions (created before it when the schemas
    /// hold them) and of the routines written in it (created after it).
    public var supportFunctions: [UInt32] = []
    public var routines: [UInt32] = []

    public init(oid: UInt32, name: String, trusted: Bool, handler: String?, inline: String?, validator: String?, comment: String?,
                ownership: Ownership) {
        self.oid = oid
        self.name = name
        self.trusted = trusted
        self.handler = handler
        self.inline = inline
        self.validator = validator
        self.comment = comment
        self.ownership = ownership
    }
}

public struct ForeignDataWrapper: Sendable, Equatable {
    public var name: String
    /// Quoted `schema.function`, or nil.
    public var handler: String?
    public var validator: String?
    /// `name=value` items of `fdwoptions`.
    public var options: [String]
    public var comment: String?
    public var ownership: Ownership

    public init(name: String, handler: String?, validator: String?, options: [String], comment: String?, ownership: Ownership) {
        self.name = name
        self.handler = handler
        self.validator = validator
        self.options = options
        self.comment = comment
        self.ownership = ownership
    }
}

public struct ForeignServer: Sendable, Equatable {
    public var name: String
    public var wrapper: String
    public var type: String?
    public var version: String?
    public var options: [String]
    public var comment: String?
    public var ownership: Ownership

    public init(name: String, wrapper: String, type: String?, version: String?, options: [String], comment: String?,
                ownership: Ownership) {
        self.name = name
        self.wrapper = wrapper
        self.type = type
        self.version = version
        self.options = options
        self.comment = comment
        self.ownership = ownership
    }
}

/// A user mapping with its options: those that look like secrets move only with ownership.
public struct UserMappingDefinition: Sendable, Equatable {
    public var server: String
    /// A role name, or `public`.
    public var user: String
    public var options: [String]

    public init(server: String, user: String, options: [String]) {
        self.server = server
        self.user = user
        self.options = options
    }

    /// Option names that carry credentials (`password`, `sslpassword`, `passfile`, a `secret`…).
    public static func looksSecret(_ option: String) -> Bool {
        let name = option.prefix { $0 != "=" }.lowercased()
        return ["pass", "secret", "token", "key", "credential"].contains { name.contains($0) }
    }
}

public struct AccessMethod: Sendable, Equatable {
    public var name: String
    /// `TABLE` or `INDEX`.
    public var type: String
    /// Quoted `schema.function`.
    public var handler: String
    public var comment: String?

    public init(name: String, type: String, handler: String, comment: String?) {
        self.name = name
        self.type = type
        self.handler = handler
        self.comment = comment
    }
}

public struct Publication: Sendable, Equatable {
    /// A table of the publication: its column list (15+) and row filter (15+), if any.
    public struct Member: Sendable, Equatable {
        public var table: QualifiedName
        public var columns: [String]?
        public var filter: String?
        public init(table: QualifiedName, columns: [String]?, filter: String?) {
            self.table = table
            self.columns = columns
            self.filter = filter
        }
    }

    public var name: String
    public var allTables: Bool
    /// `insert`, `update`, `delete`, `truncate`: what it publishes.
    public var publish: [String]
    public var viaPartitionRoot: Bool
    public var tables: [Member]
    /// `FOR TABLES IN SCHEMA` (15+).
    public var schemas: [String]
    public var comment: String?
    public var owner: String

    public init(name: String, allTables: Bool, publish: [String], viaPartitionRoot: Bool, tables: [Member], schemas: [String],
                comment: String?, owner: String) {
        self.name = name
        self.allTables = allTables
        self.publish = publish
        self.viaPartitionRoot = viaPartitionRoot
        self.tables = tables
        self.schemas = schemas
        self.comment = comment
        self.owner = owner
    }
}

public struct EventTrigger: Sendable, Equatable {
    public var name: String
    public var event: String
    public var tags: [String]
    /// Quoted `schema.function`.
    public var function: String
    /// `pg_event_trigger.evtenabled`: `O` origin (the default), `D`, `R`, `A`.
    public var enabled: String
    public var comment: String?
    public var owner: String

    public init(name: String, event: String, tags: [String], function: String, enabled: String, comment: String?, owner: String) {
        self.name = name
        self.event = event
        self.tags = tags
        self.function = function
        self.enabled = enabled
        self.comment = comment
        self.owner = owner
    }
}

/// Default privileges of a role that name no schema: they replace the built-in defaults, so what
/// the defaults grant and these do not is revoked (as pg_dump does).
public struct GlobalDefaultPrivileges: Sendable, Equatable {
    /// `pg_default_acl.defaclobjtype`: `r`, `S`, `f`, `T`, `n`.
    public var objectType: String
    public var role: String
    public var grants: [Grant]
    public var revokes: [Grant]

    public init(objectType: String, role: String, grants: [Grant], revokes: [Grant]) {
        self.objectType = objectType
        self.role = role
        self.grants = grants
        self.revokes = revokes
    }

    /// `TABLES`, `SEQUENCES`…, as ALTER DEFAULT PRIVILEGES names them.
    public var objects: String {
        switch objectType {
        case "r": "TABLES"
        case "S": "SEQUENCES"
        case "f": "FUNCTIONS"
        case "T": "TYPES"
        default: "SCHEMAS"
        }
    }
}

/// A configuration table (or sequence) of an extension: what its condition selects is data of the
/// dump, loaded into the table that CREATE EXTENSION made on the target.
public struct ExtensionConfiguration: Sendable, Equatable {
    public var extensionName: String
    public var table: QualifiedName
    /// `WHERE …` as `pg_extension_config_dump` recorded it, or empty for every row.
    public var condition: String
    /// The columns copied (generated ones left out); empty for a sequence.
    public var columns: [String]
    public var isSequence: Bool

    public init(extensionName: String, table: QualifiedName, condition: String, columns: [String], isSequence: Bool = false) {
        self.extensionName = extensionName
        self.table = table
        self.condition = condition
        self.columns = columns
        self.isSequence = isSequence
    }

    /// `COPY (SELECT cols FROM ONLY t WHERE …) TO STDOUT`, for a table.
    public var copyOutSQL: String {
        "COPY (SELECT \(SQL.identifierList(columns)) FROM ONLY \(table.sql)\(condition.isEmpty ? "" : " " + condition)) TO STDOUT"
    }

    public var copyInSQL: String { "COPY \(table.sql) (\(SQL.identifierList(columns))) FROM STDIN" }
}

extension DatabaseWide {
    /// The database's own properties as the compare holds them: its comment and settings under
    /// one identity on both sides (the two databases' names differ), and each role's settings in
    /// it, described as the plan lists them.
    public var propertyObjects: [InventoryObject] {
        var facets: [String: String] = [:]
        facets["comment"] = comment
        if !settings.isEmpty { facets["settings"] = settings.sorted().joined(separator: ", ") }
        let database = InventoryObject(key: InventoryKey(kind: "database", identity: "(the database compared)"),
                                       description: "the database's comment and settings", facets: facets)
        return [database] + roleSettings.keys.sorted().map { role in
            InventoryObject(key: InventoryKey(kind: "role settings in database", identity: SQL.identifier(role)),
                            description: Self.roleSettingsDescription(role),
                            facets: ["settings": roleSettings[role, default: []].sorted().joined(separator: ", ")])
        }
    }

    public static func roleSettingsDescription(_ role: String) -> String { "settings of role \(SQL.display(role)) in the database" }
}
