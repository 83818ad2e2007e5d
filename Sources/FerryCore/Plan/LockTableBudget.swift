/// The size of a server's shared lock table, and whether one transaction's locks fit in it.
///
/// PostgreSQL documents the table as holding `max_locks_per_transaction × (max_connections +
/// max_prepared_transactions)` object locks for all sessions together; a transaction that needs
/// more dies with "out of shared memory" halfway through. The snapshot transaction locks every
/// table (as pg_dump does) and the target's pre-data transaction locks every relation it drops or
/// creates, so both are checked before anything is written.
public struct LockTableBudget: Sendable, Equatable {
    public var maxLocksPerTransaction: Int
    public var maxConnections: Int
    public var maxPreparedTransactions: Int

    public init(maxLocksPerTransaction: Int, maxConnections: Int, maxPreparedTransactions: Int) {
        self.maxLocksPerTransaction = maxLocksPerTransaction
        self.maxConnections = maxConnections
        self.maxPreparedTransactions = maxPreparedTransactions
    }

    /// The settings whose product sizes the lock table.
    public static let settingNames = ["max_locks_per_transaction", "max_connections", "max_prepared_transactions"]

    /// Locks a transaction takes besides the ones counted: catalog tables and their indexes read
    /// along the way, and other sessions' share of the table.
    public static let headroom = 100

    public var capacity: Int { maxLocksPerTransaction * (maxConnections + maxPreparedTransactions) }

    /// Locks the target's pre-data transaction takes per table it creates: the table, its TOAST
    /// table and TOAST index (exclusive), and a share lock taken while creating them (measured on
    /// PostgreSQL 15: 1 200 locks for 300 tables).
    public static let locksPerCreatedTable = 4
    /// Locks a small tables' group transaction takes per table it creates, loads, indexes and
    /// analyzes (measured on PostgreSQL 15: 114 locks for 10 tables of two indexes each).
    public static let locksPerGroupedTable = 12
    /// Locks `DROP SCHEMA … CASCADE` takes per object it drops, at most (measured on PostgreSQL 15:
    /// 4 196 locks for 2 399 dropped objects).
    public static let locksPerDroppedObject = 2

    /// Locks the target's pre-data transaction takes, at most: dropping `droppedObjects` and
    /// creating `createdTables` tables and `otherRelations` other relations (views, sequences).
    public static func targetPreDataLocks(droppedObjects: Int, createdTables: Int, otherRelations: Int) -> Int {
        droppedObjects * locksPerDroppedObject + createdTables * locksPerCreatedTable + otherRelations
    }

    /// Why `locks` locks (plus `headroom`) do not fit, or nil when they do.
    /// - Parameters:
    ///   - side: "source" or "target".
    ///   - what: what takes them, e.g. "the snapshot transaction locks 3000 tables".
    public func refusal(locks: Int, side: String, what: String) -> String? {
        let needed = locks + Self.headroom
        guard needed > capacity else { return nil }
        let connections = maxConnections + maxPreparedTransactions
        let enough = (needed + connections - 1) / connections
        return "the \(side) server's lock table is too small for this run: \(what) (\(locks) locks in one transaction), "
            + "and it holds max_locks_per_transaction (\(maxLocksPerTransaction)) × (max_connections (\(maxConnections)) "
            + "+ max_prepared_transactions (\(maxPreparedTransactions))) = \(capacity) locks for all sessions together; "
            + "raise max_locks_per_transaction to at least \(enough) on the \(side) "
            + "(ALTER SYSTEM SET max_locks_per_transaction = \(enough), then restart the server)"
    }
}
