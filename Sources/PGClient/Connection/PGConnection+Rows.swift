import CLibPQ

extension PGConnection {
    /// Runs one statement and folds its rows into `state` one at a time, as they arrive: neither
    /// the whole result nor all its rows as strings are held at once, only `state` and one row
    /// (a catalog read of tens of thousands of rows packed as it is read).
    ///
    /// `body` runs on the connection's thread. A failure it throws ends the folding; the rest of
    /// the rows are read and dropped (the connection stays usable) and the failure is thrown.
    ///
    /// The corresponding libpq function is `PQsetSingleRowMode`.
    public func reduceRows<State: Sendable>(_ query: PGQuery, into state: State,
                                            _ body: @escaping @Sendable (inout State, QueryResult.Row) throws -> Void)
        async throws -> State {
        try await perform { conn, waiter in
            var state = state
            _ = try Self.rowByRow(query, conn, &waiter) { try body(&state, $0) }
            return state
        }
    }

    /// Sends `query` in single-row mode and hands each row to `row` as it arrives.
    /// - Returns: the statement's last result: its columns and command tag, no rows.
    static func rowByRow(_ query: PGQuery, _ conn: OpaquePointer, _ waiter: inout SocketWaiter,
                         _ row: (QueryResult.Row) throws -> Void) throws -> QueryResult {
        try send(query, conn, &waiter)
        guard PQsetSingleRowMode(conn) == 1 else { throw waiter.connectionError() }
        var columns: [String]?
        return try withoutActuallyEscaping(row) { row in
            try results(conn, &waiter) { result in
                let names = columns ?? columnNames(result)
                columns = names
                try row(Self.row(0, of: result, columns: names))
            }
        }
    }

    /// `first` and, when it is a row of single-row mode, the rest of its statement's rows, as
    /// one result: libpq 15 leaves single-row mode on for a pipeline sent after a row-by-row query.
    static func wholeResult(_ first: OpaquePointer, _ conn: OpaquePointer, _ waiter: inout SocketWaiter) throws -> QueryResult {
        // The usual case, a whole result (the follow apply's pipelines): no names read twice.
        guard PQresultStatus(first) == PGRES_SINGLE_TUPLE else { return try collect(first, conn: conn, secrets: waiter.secrets) }
        var rows: [QueryResult.Row] = []
        let columns = columnNames(first)
        var result = first
        while PQresultStatus(result) == PGRES_SINGLE_TUPLE {
            rows.append(row(0, of: result, columns: columns))
            PQclear(result)
            guard let next = try nextResult(conn, &waiter) else {
                throw PGError(code: .protocolViolation, message: "a statement's rows ended without its result")
            }
            result = next
        }
        let last = try collect(result, conn: conn, secrets: waiter.secrets)
        return rows.isEmpty ? last : QueryResult(columns: last.columns, rows: rows, commandTag: last.commandTag)
    }
}
