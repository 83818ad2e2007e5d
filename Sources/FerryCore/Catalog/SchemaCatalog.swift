/// What pgferry read from the source catalog for the schemas it moves.
///
/// Definitions are deparsed by the source server (`pg_get_*def`, `format_type`, `pg_get_expr`)
/// with an empty `search_path`, so every name in them is schema-qualified.
public struct SchemaCatalog: Sendable, Equatable {
    public var serverVersion: Int
    public var schemas: [Schema]
    /// Extensions installed in the schemas, recreated right after them (pg_dump `-n` leaves them
    /// out, and then every object of the schema that uses theirs fails).
    public var extensions: [Extension] = []
    public var types: [UserType] = []
    public var collations: [Collation] = []
    public var tables: [Table]
    public var views: [View] = []
    public var sequences: [Sequence]
    public var functions: [Function]
    public var aggregates: [Aggregate] = []
    public var operators: [Operator] = []
    /// Operator families and classes, families first.
    public var operatorClasses: [OperatorClass] = []
    /// Text search parsers, templates, dictionaries and configurations.
    public var textSearch: [TextSearchObject] = []
    public var casts: [Cast] = []
    public var transforms: [Transform] = []
    public var conversions: [Conversion] = []
    /// User mappings of the servers that the schema's foreign tables use.
    public var userMappings: [UserMapping] = []
    public var constraints: [Constraint]
    public var indexes: [Index]
    /// Partition indexes attached to their partitioned parent's index.
    public var indexAttachments: [IndexAttachment] = []
    public var triggers: [Trigger]
    public var rules: [Rule] = []
    public var policies: [Policy] = []
    public var statistics: [ExtendedStatistics] = []
    /// `pg_depend` edges between the objects above, folded onto them (a default onto its table…).
    public var dependencies: [Dependency] = []
    /// Objects whose definition relies on a primary key, unique or exclusion constraint or an
    /// index (`GROUP BY` the key, `ON CONFLICT`): created after the keys, as pg_dump postpones them.
    public var needsKeys: Set<ObjectKey> = []
    /// Objects outside the schemas that objects inside depend on.
    public var prerequisites: [Prerequisite] = []
    /// Objects of the schemas that pgferry does not recreate (foreign tables, conversions…).
    public var notMigrated: [String] = []
    /// Objects pgferry recreates that need one it does not: each refuses the run.
    public var blockedObjects: [BlockedObject] = []
    /// The database's large objects (not the schema's: reported, copied only when asked).
    public var largeObjects = LargeObjectSummary()
    /// `ALTER DEFAULT PRIVILEGES … IN SCHEMA` of the schemas (recreated with ownership).
    public var defaultPrivileges: [DefaultPrivileges] = []
    /// What a whole-database move carries outside the schemas; nil when schemas are named.
    public var database: DatabaseWide?

    public init(serverVersion: Int, schemas: [Schema] = [], tables: [Table] = [], sequences: [Sequence] = [],
                functions: [Function] = [], constraints: [Constraint] = [], indexes: [Index] = [],
                triggers: [Trigger] = []) {
        self.serverVersion = serverVersion
        self.schemas = schemas
        self.tables = tables
        self.sequences = sequences
        self.functions = functions
        self.constraints = constraints
        self.indexes = indexes
        self.triggers = triggers
    }

    public func table(_ name: QualifiedName) -> Table? { tables.first { $0.name == name } }
}

/// A schema-qualified object name.
public struct QualifiedName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var schema: String
    public var name: String
    public init(_ schema: String, _ name: String) {
        self.schema = schema
        self.name = name
    }
    /// Quoted for SQL: `"Sch"."tbl"`.
    public var sql: String { SQL.qualified(schema, name) }
    /// For people: each part as PostgreSQL quotes it, control characters escaped (`SQL.display`).
    public var description: String { SQL.display(schema) + "." + SQL.display(name) }
    /// `schema.name` unquoted, as a user may name a table in an option (`--exclude-table-data`).
    public var dotted: String { "\(schema).\(name)" }
    public static func < (a: Self, b: Self) -> Bool { (a.schema, a.name) < (b.schema, b.name) }
}

/// Owner and privileges of an object, used only when owners/grants are requested.
public struct Ownership: Sendable, Equatable {
    public var owner: String
    /// `aclexplode` rows that differ from the object kind's default: grantee ("" for PUBLIC), privilege, grantable.
    public var grants: [Grant]
    /// True when the ACL is not the default one, so defaults must be revoked first.
    public var hasExplicitACL: Bool
    public init(owner: String, grants: [Grant] = [], hasExplicitACL: Bool = false) {
        self.owner = owner
        self.grants = grants
        self.hasExplicitACL = hasExplicitACL
    }
}

public struct Grant: Sendable, Equatable {
    public var grantee: String
    public var privilege: String
    public var grantable: Bool
    public init(grantee: String, privilege: String, grantable: Bool) {
        self.grantee = grantee
        self.privilege = privilege
        self.grantable = grantable
    }
}

extension SchemaCatalog {
    /// Removes `privilege` from every grant of the tables, views and default privileges (the
    /// objects MAINTAIN applies to).
    /// - Returns: the grants to roles other than the owner it removed, e.g. `MAINTAIN on s.t to ops`.
    public mutating func removePrivilege(_ privilege: String) -> [String] {
        var removed: [String] = []
        func strip(_ ownership: inout Ownership?, _ object: String) {
            guard var stripped = ownership else { return }
            for grant in stripped.grants where grant.privilege == privilege && grant.grantee != stripped.owner {
                removed.append("\(privilege) on \(object) to \(grant.grantee.isEmpty ? "PUBLIC" : grant.grantee)")
            }
            stripped.grants.removeAll { $0.privilege == privilege }
            ownership = stripped
        }
        for index in tables.indices { strip(&tables[index].ownership, "\(tables[index].name)") }
        for index in views.indices { strip(&views[index].ownership, "\(views[index].name)") }
        for index in defaultPrivileges.indices {
            var ownership: Ownership? = defaultPrivileges[index].ownership
            strip(&ownership, "default privileges of \(defaultPrivileges[index].ownership.owner) in schema \(defaultPrivileges[index].schema)")
            defaultPrivileges[index].ownership = ownership ?? defaultPrivileges[index].ownership
        }
        return removed
    }

    /// Roles the DDL names: policies' roles always; owners and grantees when ownership is copied
    /// (`public`'s grants to PUBLIC and pg_database_owner need no role of the source's), and
    /// the large objects' when they are copied too.
    public func rolesNamed(includingOwnership: Bool, largeObjects copiesLargeObjects: Bool = false) -> [String] {
        var roles = Set(policies.flatMap(\.roles))
        if includingOwnership {
            var ownerships = schemas.map(\.ownership) + collations.map(\.ownership) + types.map(\.ownership)
            ownerships += functions.map(\.ownership) + aggregates.map(\.ownership) + operators.map(\.ownership)
            ownerships += operatorClasses.map(\.ownership) + textSearch.map(\.ownership)
            ownerships += sequences.map(\.ownership) + tables.map(\.ownership) + views.map(\.ownership)
            ownerships += conversions.map(\.ownership)
            ownerships += defaultPrivileges.map(\.ownership)
            for ownership in ownerships.compactMap({ $0 }) {
                roles.insert(ownership.owner)
                roles.formUnion(ownership.grants.map(\.grantee).filter { !$0.isEmpty })
            }
            if copiesLargeObjects { roles.formUnion(largeObjects.roles) }
        }
        roles.formUnion(database?.rolesNamed(includingOwnership: includingOwnership) ?? [])
        return roles.sorted()
    }
}

/// One role's default privileges in one schema for one kind of object: grants added to what
/// that role creates there later.
public struct DefaultPrivileges: Sendable, Equatable {
    /// `pg_default_acl.defaclobjtype`: `r` tables, `S` sequences, `f` functions, `T` types.
    public var objectType: String
    public var schema: String
    /// The role whose future objects get the grants (`owner`), and the grants.
    public var ownership: Ownership

    public init(objectType: String, schema: String, ownership: Ownership) {
        self.objectType = objectType
        self.schema = schema
        self.ownership = ownership
    }
}

public struct Extension: Sendable, Equatable {
    public var name: String
    public var schema: String
    public var comment: String?
    public init(name: String, schema: String, comment: String? = nil) {
        self.name = name
        self.schema = schema
        self.comment = comment
    }
}

public struct Schema: Sendable, Equatable {
    public var name: String
    public var comment: String?
    public var ownership: Ownership?
    public init(name: String, comment: String? = nil, ownership: Ownership? = nil) {
        self.name = name
        self.comment = comment
        self.ownership = ownership
    }
}

