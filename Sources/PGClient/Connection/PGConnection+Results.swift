import CLibPQ

/// The non-blocking exchange every statement goes through: send, flush, wait for results.
extension PGConnection {
    /// Sends what libpq holds for the server, reading meanwhile so a server that is talking
    /// to us never blocks on a full socket.
    static func flush(_ conn: OpaquePointer, _ waiter: inout SocketWaiter, stall: Duration?) throws {
        while true {
            switch PQflush(conn) {
            case 0:
                return
            case 1:
                let ready = try waiter.wait(readable: true, writable: true, stall: stall)
                if ready.readable, PQconsumeInput(conn) != 1 { throw waiter.connectionError() }
            default:
                throw waiter.connectionError()
            }
        }
    }

    /// The next result of the statement in flight, waiting for it; nil once there are none.
    static func nextResult(_ conn: OpaquePointer, _ waiter: inout SocketWaiter, stall: Duration? = nil) throws -> OpaquePointer? {
        while PQisBusy(conn) == 1 {
            _ = try waiter.wait(readable: true, writable: false, stall: stall)
            guard PQconsumeInput(conn) == 1 else { throw waiter.connectionError() }
        }
        return PQgetResult(conn)
    }

    /// Flushes a sent statement and reads all its results: the last one, or the first error.
    /// - Parameter singleRow: takes each one-row result of single-row mode (cleared after); a
    ///   failure it throws is thrown once the statement's results are read.
    static func results(_ conn: OpaquePointer, _ waiter: inout SocketWaiter,
                        singleRow: ((OpaquePointer) throws -> Void)? = nil) throws -> QueryResult {
        try flush(conn, &waiter, stall: nil)
        var last: QueryResult?
        var failure: (any Error)?
        while let result = try nextResult(conn, &waiter) {
            let status = PQresultStatus(result)
            guard failure == nil else {
                PQclear(result)
                continue
            }
            do {
                if let singleRow, status == PGRES_SINGLE_TUPLE {
                    defer { PQclear(result) }
                    try singleRow(result)
                } else {
                    last = try collect(result, conn: conn, secrets: waiter.secrets)
                }
            } catch {
                failure = error
                // A COPY started by mistake would keep returning its result: end it.
                if status == PGRES_COPY_IN { _ = PQputCopyEnd(conn, "pgferry: COPY needs copyIn") }
                if status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH { break }
            }
        }
        if let failure { throw failure }
        return last ?? QueryResult(columns: [], rows: [], commandTag: "")
    }
}

extension SocketWaiter {
    /// libpq's last error on this connection, scrubbed of secrets.
    func connectionError() -> PGError {
        PGError(code: .connection, message: String(cString: PQerrorMessage(conn)), redacting: secrets)
    }
}
