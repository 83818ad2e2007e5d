public struct Table: Sendable, Equatable {
    public enum Kind: String, Sendable { case ordinary = "r", partitioned = "p", foreign = "f" }
    public var oid: UInt32
    public var name: QualifiedName
    public var kind: Kind
    public var unlogged: Bool
    public var reloptions: [String]
    public var columns: [Column]
    /// The heap's and TOAST's main forks at the snapshot: the bytes a copy moves.
    public var bytes: Int64
    /// `reltuples`, an estimate (-1 when never analysed).
    public var estimatedRows: Int64
    /// Heap blocks (`pg_relation_size / block_size`), for slicing by block range.
    public var heapBlocks: Int64 = 0
    public var rowSecurity: Bool
    public var forceRowSecurity: Bool
    public var comment: String?
    public var ownership: Ownership?
    /// `pg_get_partkeydef`, for a partitioned table: `RANGE (at)`.
    public var partitionKey: String?
    /// For a partition: its parent and `pg_get_expr(relpartbound)`, attached after creation.
    public var partitionOf: QualifiedName?
    public var partitionBound: String?
    /// Inheritance parents (not partitioning), in `inhseqno` order.
    public var inherits: [QualifiedName] = []
    /// `REPLICA IDENTITY` when not the default: `n` nothing, `f` full (`i` comes with its index).
    public var replicaIdentity: String?
    /// `CREATE TABLE … USING`: a table access method other than heap (a partitioned table's
    /// only when it records one, 17+).
    public var accessMethod: String?
    /// A foreign table's server and its `OPTIONS (…)` items, `name 'value'`, quoted.
    public var foreignServer: String?
    public var foreignOptions: [String] = []

    public init(oid: UInt32, name: QualifiedName, kind: Kind = .ordinary, unlogged: Bool = false, reloptions: [String] = [],
                columns: [Column], bytes: Int64 = 0, estimatedRows: Int64 = 0, rowSecurity: Bool = false,
                forceRowSecurity: Bool = false, comment: String? = nil, ownership: Ownership? = nil,
                partitionKey: String? = nil, partitionOf: QualifiedName? = nil, partitionBound: String? = nil,
                inherits: [QualifiedName] = [], replicaIdentity: String? = nil) {
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
        self.partitionKey = partitionKey
        self.partitionOf = partitionOf
        self.partitionBound = partitionBound
        self.inherits = inherits
        self.replicaIdentity = replicaIdentity
    }

    /// Columns that COPY moves: generated columns are recomputed by the target.
    public var copiedColumns: [Column] { columns.filter { $0.generated == nil } }

    /// Copied when it holds rows of its own: not a partitioned parent, not a foreign table.
    public var holdsData: Bool { kind == .ordinary }
}

/// A PG 18 not-null constraint: its name is kept when not the default `<table>_<column>_not_null`;
/// a NOT VALID one is added after the data, so rows with NULLs that it tolerates still load.
public struct NotNullConstraint: Sendable, Equatable {
    public var name: String
    public var noInherit = false
    public var validated = true
    /// False when only inherited from a parent.
    public var isLocal = true
    public var comment: String?

    public init(name: String, noInherit: Bool = false, validated: Bool = true, isLocal: Bool = true, comment: String? = nil) {
        self.name = name
        self.noInherit = noInherit
        self.validated = validated
        self.isLocal = isLocal
        self.comment = comment
    }
}

public struct Column: Sendable, Equatable {
    public enum Identity: String, Sendable { case always = "a", byDefault = "d" }
    public var name: String
    /// `format_type(atttypid, atttypmod)`.
    public var type: String
    /// True when the type is built in (OID below 16384; for an array, its element type too),
    /// so binary COPY carries no database-specific OIDs.
    public var builtinType: Bool
    /// `COLLATE …` target, only when it differs from the type's default.
    public var collation: String?
    public var notNull: Bool
    /// PG 18 keeps a NOT NULL as a named constraint of its own (nil before 18).
    public var notNullConstraint: NotNullConstraint?
    public var defaultExpression: String?
    public var identity: Identity?
    /// Expression of a generated column; `generatedVirtual` for PG 18's VIRTUAL ones.
    public var generated: String?
    public var generatedVirtual: Bool = false
    public var comment: String?
    /// False for a column that only an inheritance parent defines.
    public var isLocal: Bool = true
    /// `SET STORAGE`, `SET COMPRESSION`, `SET STATISTICS` and `SET (…)` when not the defaults.
    public var storage: String?
    public var compression: String?
    public var statisticsTarget: Int?
    public var options: [String] = []
    /// A foreign table column's `OPTIONS (…)` items, `name 'value'`, quoted.
    public var foreignOptions: [String] = []

    /// NOT NULL that holds for every row: not a NOT VALID one.
    public var validNotNull: Bool { notNull && notNullConstraint?.validated != false }

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
    public var oid: UInt32 = 0
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


/// A view or a materialized view.
public struct View: Sendable, Equatable {
    public var oid: UInt32
    public var name: QualifiedName
    public var materialized: Bool
    /// `pg_get_viewdef(oid)` without its final semicolon.
    public var definition: String
    /// reloptions other than `check_option`.
    public var options: [String]
    /// `local` or `cascaded` for `WITH … CHECK OPTION`.
    public var checkOption: String?
    /// A materialized view is refreshed at the end only when it was populated on the source.
    public var populated: Bool
    public var columnComments: [(column: String, comment: String)]
    /// Columns with what `CREATE VIEW` cannot say: a view's column defaults; a materialized
    /// view's storage, compression, statistics target and options.
    public var columnSettings: [Column] = []
    /// A materialized view's table access method, when not heap.
    public var accessMethod: String?
    public var comment: String?
    public var ownership: Ownership?

    public init(oid: UInt32, name: QualifiedName, materialized: Bool, definition: String, options: [String] = [],
                checkOption: String? = nil, populated: Bool = true, columnComments: [(column: String, comment: String)] = [],
                comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.name = name
        self.materialized = materialized
        self.definition = definition
        self.options = options
        self.checkOption = checkOption
        self.populated = populated
        self.columnComments = columnComments
        self.comment = comment
        self.ownership = ownership
    }

    public static func == (a: View, b: View) -> Bool {
        a.oid == b.oid && a.name == b.name && a.definition == b.definition && a.options == b.options
            && a.checkOption == b.checkOption && a.populated == b.populated && a.comment == b.comment
            && a.columnComments.map(\.column) == b.columnComments.map(\.column)
            && a.columnComments.map(\.comment) == b.columnComments.map(\.comment)
            && a.columnSettings == b.columnSettings && a.accessMethod == b.accessMethod
    }
}
