import FerryCore
import PGClient

/// Reads a server's lock table size (`LockTableBudget`) and refuses a transaction that would not
/// fit in it, before it starts taking locks.
enum LockTableCheck {
    static func budget(on connection: PGConnection) async throws -> LockTableBudget {
        let rows = try await connection.query("""
            SELECT name, setting FROM pg_catalog.pg_settings WHERE name = ANY(\(LockTableBudget.settingNames))
            """).rows
        var settings: [String: Int] = [:]
        for row in rows { settings[try row.string("name")] = Int(try row.string("setting")) }
        return LockTableBudget(maxLocksPerTransaction: settings["max_locks_per_transaction"] ?? 64,
                               maxConnections: settings["max_connections"] ?? 100,
                               maxPreparedTransactions: settings["max_prepared_transactions"] ?? 0)
    }

    /// The refusal for `locks` locks taken by one transaction on `connection`'s server, or nil.
    static func refusal(locks: Int, on connection: PGConnection, side: FerryError.Side, what: String) async throws -> String? {
        try await budget(on: connection).refusal(locks: locks, side: side.rawValue, what: what)
    }
}
