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

    public init(sql: String, parameters: [PGParameter?] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}

extension PGConnection {
    /// Sends every statement, then one sync, and reads their results: one round trip for all.
    ///
    /// As in one extended-protocol exchange, the first error makes the server skip the rest
    /// until the sync; that error is thrown (once the exchange is over, so the connection stays
    /// usable). An explicit transaction block the statements opened is left open (aborted after
    /// an error): the caller commits or rolls it back.
    ///
    /// The corresponding libpq functions are `PQenterPipelineMode`, `PQsendQueryParams`,
    /// `PQpipelineSync` and `PQexitPipelineMode`.
    /// - Returns: each statement's result, in order.
    public func pipeline(_ statements: [PipelinedStatement]) async throws -> [QueryResult] {
        try await perform { conn, waiter in
            guard PQenterPipelineMode(conn) == 1 else { throw waiter.connectionError() }
            for statement in statements {
                guard Self.send(statement, conn) == 1 else { throw waiter.connectionError() }
            }
            guard PQpipelineSync(conn) == 1 else { throw waiter.connectionError() }
            try Self.flush(conn, &waiter, stall: nil)

            var results: [QueryResult] = []
            results.reserveCapacity(statements.count)
            var failure: (any Error)?
            for _ in statements {
                guard let result = try Self.nextResult(conn, &waiter) else {
                    throw PGError(code: .protocolViolation, message: "the pipeline ended before every statement had a result")
                }
                if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                } else {
                    do { results.append(try Self.collect(result, conn: conn, secrets: waiter.secrets)) } catch { failure = failure ?? error }
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

    /// Queues one statement (`PQsendQueryParams`) with its values in their own formats.
    private static func send(_ statement: PipelinedStatement, _ conn: OpaquePointer) -> Int32 {
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
                PQsendQueryParams(conn, statement.sql, Int32(count), nil, values.baseAddress, lengths, formats, 0)
            }
        }
    }
}
