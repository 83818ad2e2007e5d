/// Other sessions whose locks stand in pgferry's way, described for the error that names them:
/// a bare "could not obtain lock" (55P03) leaves the user guessing which session to end.
enum LockConflict {
    /// Another session (or a prepared transaction) holding or awaiting locks.
    struct Session: Equatable {
        /// nil for a prepared transaction, which no backend runs.
        var pid: Int?
        var held: [String]
        var awaited: [String]
        var application: String?
        var user: String?
        var state: String?
        var transactionStart: String?
        var query: String?
    }

    /// Why pgferry could not take its ACCESS SHARE lock on `table` at once (`LOCK TABLE … NOWAIT`
    /// failed with 55P03): the sessions holding or awaiting an ACCESS EXCLUSIVE lock on it, and
    /// what to do. Never throws: a failed lookup still yields advice.
    ///
    /// `connection` must reach the table's database outside a failed transaction: after the
    /// failed LOCK, `ROLLBACK` the worker first, or pass another connection.
    static func describe(on connection: PGConnection, table: QualifiedName) async -> String {
        let sessions = try? await Self.sessions(on: connection, matching: """
            l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.relation = pg_catalog.to_regclass(\(table.sql))
            """)
        let advice = "a session holding or awaiting an ACCESS EXCLUSIVE lock (ALTER TABLE, DROP, TRUNCATE, VACUUM FULL, "
            + "REINDEX…) on a table pgferry has not copied yet blocks the copy, and one that waits also waits for pgferry's "
            + "snapshot, so neither side can go on; let it finish or cancel it (SELECT pg_cancel_backend(pid)), then rerun pgferry"
        guard let sessions, !sessions.isEmpty else {
            return "table \(table) was locked by another session (gone by now): \(advice)"
        }
        return "table \(table) is locked by \(describe(sessions)): \(advice)"
    }

    /// The other sessions with a lock that `filter` (SQL over `pg_locks l`, with parameters) selects.
    static func sessions(on connection: PGConnection, matching filter: PGQuery) async throws -> [Session] {
        let rows = try await connection.query("""
            SELECT l.pid,
                   pg_catalog.array_agg(DISTINCT l.mode) FILTER (WHERE l.granted)::text[] AS held,
                   pg_catalog.array_agg(DISTINCT l.mode) FILTER (WHERE NOT l.granted)::text[] AS awaited,
                   a.application_name, a.usename::text AS usename, a.state,
                   pg_catalog.date_trunc('second', a.xact_start)::text AS transaction_start, a.query
            FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()
              AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
              AND (\(filter))
            GROUP BY l.pid, l.virtualtransaction, a.application_name, a.usename, a.state, a.xact_start, a.query
            ORDER BY l.pid
            """).rows
        return try rows.map {
            try Session(pid: $0.optionalInt("pid"), held: $0.optionalArray("held") ?? [], awaited: $0.optionalArray("awaited") ?? [],
                        application: $0.optionalString("application_name"), user: $0.optionalString("usename"),
                        state: $0.optionalString("state"), transactionStart: $0.optionalString("transaction_start"),
                        query: $0.optionalString("query"))
        }
    }

    /// "pid 42 (application psql, user bob, idle in transaction, transaction started …) holds …; last query: …"
    static func describe(_ sessions: [Session]) -> String {
        sessions.map { session in
            var facts: [String] = []
            if let application = session.application, !application.isEmpty { facts.append("application \(application)") }
            if let user = session.user { facts.append("user \(user)") }
            if let state = session.state { facts.append(state) }
            if let start = session.transactionStart { facts.append("transaction started \(start)") }
            var text = session.pid.map { "pid \($0)" } ?? "a prepared transaction (see pg_prepared_xacts)"
            if !facts.isEmpty { text += " (" + facts.joined(separator: ", ") + ")" }
            var locks: [String] = []
            if !session.held.isEmpty { locks.append("holds " + session.held.joined(separator: ", ")) }
            if !session.awaited.isEmpty { locks.append("waits for " + session.awaited.joined(separator: ", ")) }
            text += " " + locks.joined(separator: " and ")
            if let query = session.query, !query.isEmpty {
                let line = query.split(whereSeparator: \.isNewline).joined(separator: " ")
                text += "; its last query: " + (line.count > 120 ? String(line.prefix(120)) + "…" : line)
            }
            return text
        }.joined(separator: "; ")
    }
}
