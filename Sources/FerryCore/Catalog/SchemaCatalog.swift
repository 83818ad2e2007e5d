/// What pgferry read from the source catalog for the schemas it moves.
///
/// Definitions are deparsed by the source server (`pg_get_*def`, `format_type`, `pg_get_expr`)
/// with an empty `search_path`, so every name in them is schema-qualified.
public struct SchemaCatalog: Sendable, Equatable {
    public var serverVersion: Int
    public var schemas: [Schema]
    public var tables: [Table]
    public var sequences: [Sequence]
    public var functions: [Function]
    public var constraints: [Constraint]
    public var indexes: [Index]
    public var triggers: [Trigger]

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
    /// For people: `schema.name`, unquoted.
    public var description: String { "\(schema).\(name)" }
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

public struct Table: Sendable, Equatable {
    public enum Kind: String, Sendable { case ordinary = "r", partitioned = "p" }
    public var oid: UInt32
    public var name: QualifiedName
    public var kind: Kind
    public var unlogged: Bool
    public var reloptions: [String]
    public var columns: [Column]
    /// `pg_table_size` at the snapshot: heap plus TOAST, the bytes a copy moves.
    public var bytes: Int64
    /// `reltuples`, an estimate (-1 when never analysed).
    public var estimatedRows: Int64
    public var rowSecurity: Bool
    public var forceRowSecurity: Bool
    public var comment: String?
    public var ownership: Ownership?

    public init(oid: UInt32, name: QualifiedName, kind: Kind = .ordinary, unlogged: Bool = false, reloptions: [String] = [],
                columns: [Column], bytes: Int64 = 0, estimatedRows: Int64 = 0, rowSecurity: Bool = false,
                forceRowSecurity: Bool = false, comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.name = name
        self.kind = kind
        self.unlogged = unlogged
        self.reloptions = reloptions
        self.columns = columns
        self.bytes = bytes
        self.estimatedRows = estimatedRows
        self.rowSecurity = rowSecurity
        self.forceRowSecurity = forceRowSecurity
        self.comment = comment
        self.ownership = ownership
    }

    /// Columns that COPY moves: generated columns are recomputed by the target.
    public var copiedColumns: [Column] { columns.filter { $0.generated == nil } }
}

public struct Column: Sendable, Equatable {
    public enum Identity: String, Sendable { case always = "a", byDefault = "d" }
    public var name: String
    /// `format_type(atttypid, atttypmod)`.
    public var type: String
    /// True when the type and, for arrays, its element type are built in (OID below 16384),
    /// so binary COPY carries no database-specific OIDs.
    public var builtinType: Bool
    /// `COLLATE …` target, only when it differs from the type's default.
    public var collation: String?
    public var notNull: Bool
    public var defaultExpression: String?
    public var identity: Identity?
    /// Expression of a `GENERATED ALWAYS AS (…) STORED` column.
    public var generated: String?
    public var comment: String?

    public init(name: String, type: String, builtinType: Bool = true, collation: String? = nil, notNull: Bool = false,
                defaultExpression: String? = nil, identity: Identity? = nil, generated: String? = nil,
                comment: String? = nil) {
        self.name = name
        self.type = type
        self.builtinType = builtinType
        self.collation = collation
        self.notNull = notNull
        self.defaultExpression = defaultExpression
        self.identity = identity
        self.generated = generated
        self.comment = comment
    }
}

public struct Sequence: Sendable, Equatable {
    public var name: QualifiedName
    /// `bigint`, `integer` or `smallint`.
    public var dataType: String
    public var start: Int64
    public var increment: Int64
    public var minValue: Int64
    public var maxValue: Int64
    public var cache: Int64
    public var cycle: Bool
    public var unlogged: Bool
    public var lastValue: Int64
    public var isCalled: Bool
    /// The column that owns it (`OWNED BY`, serial).
    public var ownedBy: ColumnReference?
    /// The identity column it belongs to; identity sequences come with their column.
    public var identityOf: ColumnReference?
    public var comment: String?
    public var ownership: Ownership?

    public init(name: QualifiedName, dataType: String = "bigint", start: Int64 = 1, increment: Int64 = 1,
                minValue: Int64 = 1, maxValue: Int64 = Int64.max, cache: Int64 = 1, cycle: Bool = false,
                unlogged: Bool = false, lastValue: Int64 = 1, isCalled: Bool = false, ownedBy: ColumnReference? = nil,
                identityOf: ColumnReference? = nil, comment: String? = nil, ownership: Ownership? = nil) {
        self.name = name
        self.dataType = dataType
        self.start = start
        self.increment = increment
        self.minValue = minValue
        self.maxValue = maxValue
        self.cache = cache
        self.cycle = cycle
        self.unlogged = unlogged
        self.lastValue = lastValue
        self.isCalled = isCalled
        self.ownedBy = ownedBy
        self.identityOf = identityOf
        self.comment = comment
        self.ownership = ownership
    }
}

public struct ColumnReference: Sendable, Equatable, Hashable {
    public var table: QualifiedName
    public var column: String
    public init(table: QualifiedName, column: String) {
        self.table = table
        self.column = column
    }
}

public struct Function: Sendable, Equatable {
    public enum Kind: String, Sendable { case function = "f", procedure = "p", window = "w" }
    public var name: QualifiedName
    /// `pg_get_function_identity_arguments`, for COMMENT/GRANT/ALTER.
    public var identityArguments: String
    public var kind: Kind
    /// `pg_get_functiondef`: a complete `CREATE OR REPLACE …` without the final semicolon.
    public var definition: String
    public var comment: String?
    public var ownership: Ownership?

    public init(name: QualifiedName, identityArguments: String, kind: Kind = .function, definition: String,
                comment: String? = nil, ownership: Ownership? = nil) {
        self.name = name
        self.identityArguments = identityArguments
        self.kind = kind
        self.definition = definition
        self.comment = comment
        self.ownership = ownership
    }

    /// `FUNCTION s.f(args)` or `PROCEDURE s.p(args)`.
    public var signature: String {
        "\(kind == .procedure ? "PROCEDURE" : "FUNCTION") \(name.sql)(\(identityArguments))"
    }
}

public struct Constraint: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case primaryKey = "p", unique = "u", foreignKey = "f", check = "c", exclusion = "x"
    }
    public var name: String
    public var table: QualifiedName
    public var kind: Kind
    /// `pg_get_constraintdef`: the clause after `ADD CONSTRAINT name`.
    public var definition: String
    public var validated: Bool
    /// A CHECK inherited from a parent is created by the parent.
    public var isLocal: Bool
    /// For PK/UNIQUE: the backing index's `pg_get_indexdef`, built first and then attached.
    public var indexDefinition: String?
    public var deferrableClause: String?
    /// For FOREIGN KEY: the referenced table.
    public var referencedTable: QualifiedName?
    public var comment: String?

    public init(name: String, table: QualifiedName, kind: Kind, definition: String, validated: Bool = true,
                isLocal: Bool = true, indexDefinition: String? = nil, deferrableClause: String? = nil,
                referencedTable: QualifiedName? = nil, comment: String? = nil) {
        self.name = name
        self.table = table
        self.kind = kind
        self.definition = definition
        self.validated = validated
        self.isLocal = isLocal
        self.indexDefinition = indexDefinition
        self.deferrableClause = deferrableClause
        self.referencedTable = referencedTable
        self.comment = comment
    }
}

public struct Index: Sendable, Equatable {
    public var name: QualifiedName
    public var table: QualifiedName
    /// `pg_get_indexdef`: a complete `CREATE [UNIQUE] INDEX …` without the final semicolon.
    public var definition: String
    public var clustered: Bool
    public var comment: String?

    public init(name: QualifiedName, table: QualifiedName, definition: String, clustered: Bool = false,
                comment: String? = nil) {
        self.name = name
        self.table = table
        self.definition = definition
        self.clustered = clustered
        self.comment = comment
    }
}

public struct Trigger: Sendable, Equatable {
    public var name: String
    public var table: QualifiedName
    /// `pg_get_triggerdef(oid, false)`.
    public var definition: String
    /// `tgenabled`: O (origin, the default), D (disabled), R (replica), A (always).
    public var enabled: String
    public var comment: String?

    public init(name: String, table: QualifiedName, definition: String, enabled: String = "O", comment: String? = nil) {
        self.name = name
        self.table = table
        self.definition = definition
        self.enabled = enabled
        self.comment = comment
    }
}
