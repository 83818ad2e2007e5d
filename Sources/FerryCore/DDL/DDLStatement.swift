/// One SQL statement pgferry runs on the target, with what it creates (for progress and errors).
public struct DDLStatement: Sendable, Equatable, CustomStringConvertible {
    public var sql: String
    /// E.g. `INDEX app.idx_orders_created`.
    public var object: String
    /// The SQL carries option values that may be credentials (a user mapping's): never printed.
    public var hidesValues = false

    public init(_ sql: String, object: String) {
        self.sql = sql
        self.object = object
    }

    /// What a plan or a log may show: the SQL, or for one that hides values a comment naming it.
    public var printable: String { hidesValues ? "-- \(object) (with its options, not shown)" : sql }

    public var description: String { printable }
}

/// The target DDL of a catalog, split by when it runs.
public struct SchemaDDL: Sendable, Equatable {
    /// Before any data, in dependency order: schemas, types, functions, sequences, tables, views…
    public var preData: [DDLStatement] = []
    /// Small tables' `CREATE TABLE` and what follows it (`DDLRenderer.Options.tablesCreatedWithData`),
    /// out of pre-data: each runs in the data-phase group that loads its table.
    public var tableCreation: [QualifiedName: [DDLStatement]] = [:]
    /// Per table that holds data, once its data has landed: its indexes, then its keys.
    public var tablePostData: [QualifiedName: TableIndexing] = [:]
    /// After all data, before post-data: sequence values.
    public var sequenceValues: [DDLStatement] = []
    /// After all data: partitioned tables' keys and index attachments, NOT VALID checks,
    /// triggers, rules, row security, statistics.
    public var postData: [DDLStatement] = []
    /// After `postData`: one group per foreign key (the key, then its comment); groups may run in parallel.
    public var foreignKeys: [[DDLStatement]] = []
    /// Owners' grants (only when privileges are included).
    public var privileges: [DDLStatement] = []
    /// Last: `REFRESH MATERIALIZED VIEW` for those populated on the source.
    public var refresh: [DDLStatement] = []
    /// A whole-database move's objects outside the schemas (empty otherwise).
    public var database = DatabaseDDL()

    public init() {}

    /// Everything in run order, for `plan` and for tests.
    public var allStatements: [DDLStatement] {
        database.cleanup + preData + tableCreation.keys.sorted().flatMap { tableCreation[$0]! } + tablePostData.keys.sorted().flatMap { tablePostData[$0]!.statements } + sequenceValues
            + postData + foreignKeys.flatMap { $0 } + privileges + refresh + database.postData + database.last
    }
}

/// A table's indexes and keys, built once its data is in.
public struct TableIndexing: Sendable, Equatable {
    /// One group per index (the index, then its comment), PK/UNIQUE ones included: the groups
    /// may run in parallel, on other connections.
    public var builds: [[DDLStatement]] = []
    /// After every build: `ADD CONSTRAINT … USING INDEX`, exclusion constraints, CLUSTER ON,
    /// constraint comments.
    public var then: [DDLStatement] = []

    public init(builds: [[DDLStatement]] = [], then: [DDLStatement] = []) {
        self.builds = builds
        self.then = then
    }

    public var statements: [DDLStatement] { builds.flatMap { $0 } + then }
}
