import CLibPQ

/// A parameter value: text (the type's output form) or binary (its send/recv form).
public enum PGParameter: Sendable, Hashable {
    case text([UInt8])
    case binary([UInt8])
}

/// One statement of a pipeline, with its parameters `$1…$n` (nil is SQL NULL). A parameter's
/// type comes from the statement (`$1::numeric`), as the server infers it.
public struct PipelinedStatement: Sendable, Hashable {
    public var sql: String
    public var parameters: [PGParameter?]
    /// Keep it prepared on the connection: its text runs again and again, parsed and planned
    /// once (up to `PGConnection.preparedLimit` texts a connection).
    public var prepared: Bool

    public init(sql: String, parameters: [PGParameter?] = [], prepared: Bool = false) {
        self.sql = sql
        self.parameters = parameters
        self.prepared = prepared
    }
}

extension PGConnection {
    /// Sends every statement, then one sync, and reads their results: one round trip for all.
    ///
    /// As in one extended-protocol exchange, the first error makes the server skip the rest
    /// until the sync; that error is thrown (once the exchange is over, so the connection stays
    /// usable), with the failed statement's position in `PGError.statementIndex`. An explicit
    /// transaction block the statements opened is left open (aborted after an error): the caller commits or rolls it back.
    ///
    /// The corresponding libpq functions are `PQenterPipelineMode`, `PQsendQueryParams`,
    /// `PQpipelineSync` and `PQexitPipelineMode`.
    /// - Returns: each statement's result, in order.
    public func pipeline(_ statements: [PipelinedStatement]) async throws -> [QueryResult] {
        let handle = handle
        return try await perform { conn, waiter in
            guard PQenterPipelineMode(conn) == 1 else { throw waiter.connectionError() }
            // What each result answers: a Prepare (its text and name), or a statement.
            var expected: [(sql: String, name: String)?] = []
            var preparing: [String: String] = [:]
            for statement in statements {
                var name = handle.prepared[statement.sql] ?? preparing[statement.sql]
                if statement.prepared, name == nil, handle.prepared.count + preparing.count < Self.preparedLimit {
                    handle.preparedNames += 1
                    let new = "pgferry_\(handle.preparedNames)"
                    guard PQsendPrepare(conn, new, statement.sql, Int32(statement.parameters.count), nil) == 1 else {
                        throw waiter.connectionError()
                    }
                    expected.append((statement.sql, new))
                    preparing[statement.sql] = new
                    name = new
                }
                guard Self.send(statement, named: statement.prepared ? name : nil, conn) == 1 else { throw waiter.connectionError() }
                expected.append(nil)
            }
            guard PQpipelineSync(conn) == 1 else { throw waiter.connectionError() }
            try Self.flush(conn, &waiter, stall: nil)

            var results: [QueryResult] = []
            results.reserveCapacity(statements.count)
            var failure: (any Error)?
            for prepare in expected {
                guard let result = try Self.nextResult(conn, &waiter) else {
                    throw PGError(code: .protocolViolation, message: "the pipeline ended before every statement had a result")
                }
                if let prepare {
                    switch PQresultStatus(result) {
                    case PGRES_COMMAND_OK: handle.prepared[prepare.sql] = prepare.name
                    case PGRES_PIPELINE_ABORTED: break
                    default: failure = failure ?? Self.error(from: result, conn: conn, secrets: waiter.secrets)
                    }
                    PQclear(result)
                } else if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                } else {
                    do {
                        results.append(try Self.wholeResult(result, conn, &waiter))
                    } catch var error as PGError {
                        error.statementIndex = results.count
                        failure = failure ?? error
                    } catch {
                        failure = failure ?? error
                    }
                }
                // Each statement's results end with a NULL.
                while let extra = try Self.nextResult(conn, &waiter) { PQclear(extra) }
            }
            guard let sync = try Self.nextResult(conn, &waiter) else {
                throw PGError(code: .protocolViolation, message: "the pipeline ended without its sync")
            }
            let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
            PQclear(sync)
            guard synced, PQexitPipelineMode(conn) == 1 else { throw waiter.connectionError() }
            if let failure { throw failure }
            return results
        }
    }

    /// Statement texts a connection keeps prepared: a fixed set of shapes (one per table and
    /// kind of change) is expected; anything beyond runs unprepared.
    public static let preparedLimit = 1_000

    /// Queues one statement with its values in their own formats: `PQsendQueryPrepared` when it
    /// is prepared under `name`, `PQsendQueryParams` otherwise.
    private static func send(_ statement: PipelinedStatement, named name: String?, _ conn: OpaquePointer) -> Int32 {
        let count = statement.parameters.count
        // Text values are C strings: their bytes and a NUL; binary ones have their length.
        let values = statement.parameters.map { parameter -> UnsafeMutablePointer<CChar>? in
            guard let parameter else { return nil }
            let bytes: [UInt8]
            switch parameter {
            case .text(let text): bytes = text + [0]
            case .binary(let binary): bytes = binary.isEmpty ? [0] : binary
            }
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBytes { UnsafeMutableRawPointer(copy).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return copy
        }
        defer { values.forEach { $0?.deallocate() } }
        let lengths = statement.parameters.map { parameter -> Int32 in
            if case .binary(let bytes)? = parameter { return Int32(bytes.count) }
            return 0
        }
        let formats = statement.parameters.map { parameter -> Int32 in
            if case .binary? = parameter { return 1 }
            return 0
        }
        return values.withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                if let name {
                    PQsendQueryPrepared(conn, name, Int32(count), values.baseAddress, lengths, formats, 0)
                } else {
                    PQsendQueryParams(conn, statement.sql, Int32(count), nil, values.baseAddress, lengths, formats, 0)
                }
            }
        }
    }
}
