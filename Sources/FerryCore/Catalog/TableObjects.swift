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
    /// For PK/UNIQUE on a btree index: its `pg_get_indexdef`, built first and then attached
    /// (`USING INDEX` takes btree only; PG 18's `WITHOUT OVERLAPS` keys use GiST).
    public var indexDefinition: String?
    public var deferrableClause: String?
    /// For FOREIGN KEY: the referenced table.
    public var referencedTable: QualifiedName?
    /// A domain's constraint: `table` is then the domain's name.
    public var onDomain: Bool = false
    /// A key whose index the table is clustered on.
    public var clustered: Bool = false
    /// A key whose index is the table's `REPLICA IDENTITY USING INDEX`.
    public var replicaIdentity: Bool = false
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
    public var oid: UInt32 = 0
    public var name: QualifiedName
    public var table: QualifiedName
    /// `pg_get_indexdef`: a complete `CREATE [UNIQUE] INDEX …` without the final semicolon.
    public var definition: String
    public var clustered: Bool
    /// The table's `REPLICA IDENTITY USING INDEX`.
    public var replicaIdentity: Bool = false
    /// `ALTER INDEX … ALTER COLUMN n SET STATISTICS m`: statistics targets of (expression)
    /// columns, by column number, when not the default.
    public var columnStatistics: [Int: Int] = [:]
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

/// A trigger or a rule: deparsed whole by the server, and enabled in one of four states.
public struct TableHook: Sendable, Equatable {
    public var name: String
    public var table: QualifiedName
    /// `pg_get_triggerdef(oid, false)`, or `pg_get_ruledef` (a complete `CREATE RULE …;`).
    public var definition: String
    /// `tgenabled` / `ev_enabled`: O (origin, the default), D (disabled), R (replica), A (always).
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

public typealias Trigger = TableHook
public typealias Rule = TableHook

/// `ALTER INDEX parent ATTACH PARTITION child`: a partition's index joining its parent's.
public struct IndexAttachment: Sendable, Equatable {
    public var parent: QualifiedName
    public var child: QualifiedName
    /// Depth of the child's table in the partition tree, to attach bottom-up.
    public var depth: Int
    public init(parent: QualifiedName, child: QualifiedName, depth: Int) {
        self.parent = parent
        self.child = child
        self.depth = depth
    }
}

public struct Policy: Sendable, Equatable {
    public var name: String
    public var table: QualifiedName
    public var permissive: Bool
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    public var command: String
    /// Role names; empty means PUBLIC.
    public var roles: [String]
    public var using: String?
    public var withCheck: String?
    public var comment: String?
    public init(name: String, table: QualifiedName, permissive: Bool, command: String, roles: [String], using: String?,
                withCheck: String?, comment: String? = nil) {
        self.name = name
        self.table = table
        self.permissive = permissive
        self.command = command
        self.roles = roles
        self.using = using
        self.withCheck = withCheck
        self.comment = comment
    }
}

public struct ExtendedStatistics: Sendable, Equatable {
    public var name: QualifiedName
    /// `pg_get_statisticsobjdef`: a complete `CREATE STATISTICS …`.
    public var definition: String
    public var statisticsTarget: Int?
    public var comment: String?
    public init(name: QualifiedName, definition: String, statisticsTarget: Int?, comment: String? = nil) {
        self.name = name
        self.definition = definition
        self.statisticsTarget = statisticsTarget
        self.comment = comment
    }
}
