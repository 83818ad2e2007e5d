import CLibPQ
import Foundation
import Synchronization

/// One libpq connection, driven from async code.
///
/// Every libpq call runs on the connection's own thread (`ConnectionThread`), so blocking calls
/// never occupy Swift's cooperative pool. Calls are serialised in submission order.
public final class PGConnection: Sendable {
    /// The `PGconn*`, touched only on `thread`.
    final class Handle: @unchecked Sendable {  // safe: confined to the connection thread
        var conn: OpaquePointer?
    }

    let thread: ConnectionThread
    let handle = Handle()
    private let canceller: Mutex<CancelBox>
    let secrets: [String]
    /// The server version as `PQserverVersion` reports it, e.g. 150018.
    public let serverVersion: Int
    public let configuration: ConnectionConfiguration

    struct CancelBox: @unchecked Sendable {  // safe: the pointer is only used under `canceller`'s lock
        var pointer: OpaquePointer?
    }

    private init(thread: ConnectionThread, configuration: ConnectionConfiguration, serverVersion: Int,
                 cancel: OpaquePointer?, conn: OpaquePointer) {
        self.thread = thread
        self.configuration = configuration
        self.secrets = configuration.secrets
        self.serverVersion = serverVersion
        self.canceller = Mutex(CancelBox(pointer: cancel))
        handle.conn = conn
    }

    deinit {
        let handle = handle
        thread.submit {
            if let conn = handle.conn { PQfinish(conn) }
            handle.conn = nil
        }
        thread.stop()
        canceller.withLock { box in
            if let pointer = box.pointer { PQfreeCancel(pointer) }
            box.pointer = nil
        }
    }

    /// Opens a connection. The corresponding libpq function is `PQconnectdbParams`.
    public static func connect(_ configuration: ConnectionConfiguration) async throws -> PGConnection {
        let thread = ConnectionThread(name: "pgferry-conn")
        let secrets = configuration.secrets
        do {
            let opened: Opened = try await withCheckedThrowingContinuation { continuation in
                thread.submit {
                    continuation.resume(with: Result { try Self.open(configuration, secrets: secrets) })
                }
            }
            return PGConnection(thread: thread, configuration: configuration, serverVersion: opened.version,
                                cancel: opened.cancel.pointer, conn: opened.conn.pointer)
        } catch {
            thread.stop()
            throw error
        }
    }

    private struct Opened: @unchecked Sendable {  // safe: handed over once, from the connection thread
        struct Pointer { let pointer: OpaquePointer }
        var conn: Pointer
        var cancel: Pointer
        var version: Int
    }

    private static func open(_ configuration: ConnectionConfiguration, secrets: [String]) throws -> Opened {
        let parameters = configuration.effectiveParameters
        let keywords = parameters.map { strdup($0.keyword) } + [nil]
        let values = parameters.map { strdup($0.value) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let conn = keywords.withUnsafeBufferPointer { keywordPointers in
            values.withUnsafeBufferPointer { valuePointers in
                keywordPointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { keywordPointers in
                    valuePointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { valuePointers in
                        PQconnectdbParams(keywordPointers.baseAddress, valuePointers.baseAddress, 0)
                    }
                }
            }
        }
        guard let conn else {
            throw PGError(code: .connection, message: "could not allocate a libpq connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn))
            PQfinish(conn)
            throw PGError(code: .connection,
                          message: "could not connect to \(configuration.redactedDescription): \(message)",
                          redacting: secrets)
        }
        // libpq prints notices on stderr by default; pgferry reports through its own channels.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        guard let cancel = PQgetCancel(conn) else {
            PQfinish(conn)
            throw PGError(code: .connection, message: "could not create a cancel handle")
        }
        return Opened(conn: .init(pointer: conn), cancel: .init(pointer: cancel), version: Int(PQserverVersion(conn)))
    }

    /// Runs `body` on the connection thread with the live `PGconn*`.
    ///
    /// Swift task cancellation turns into a libpq cancel request for the running statement. A
    /// cancel that comes before the job has started keeps it from starting; one that comes
    /// while it starts is repeated until the job ends, since the server ignores a cancel request
    /// that arrives before the statement does.
    func perform<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try Task.checkCancellation()
        let handle = handle
        let job = JobState()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let queued = thread.submit {
                    guard let conn = handle.conn else {
                        continuation.resume(throwing: PGError(code: .closed, message: "the connection is closed"))
                        return
                    }
                    guard job.begin() else {
                        continuation.resume(throwing: CancellationError())
                        return
                    }
                    let result = Result { try body(conn) }
                    job.end()
                    continuation.resume(with: result)
                }
                if !queued {
                    continuation.resume(throwing: PGError(code: .closed, message: "the connection is closed"))
                }
            }
        } onCancel: {
            guard job.cancel() else { return }
            self.cancel()
            Task.detached { [self] in
                for _ in 0..<100 where job.isRunning {
                    try? await Task.sleep(for: .milliseconds(50))
                    if job.isRunning { self.cancel() }
                }
            }
        }
    }

    /// Whether a job was cancelled before it began, and whether it is running.
    final class JobState: Sendable {
        private let state = Mutex((cancelled: false, running: false))

        /// Marks the job running; false if it was cancelled first.
        func begin() -> Bool {
            state.withLock { state in
                guard !state.cancelled else { return false }
                state.running = true
                return true
            }
        }

        func end() { state.withLock { $0.running = false } }

        /// Marks the job cancelled; true when it is running and needs a cancel request.
        func cancel() -> Bool {
            state.withLock { state in
                state.cancelled = true
                return state.running
            }
        }

        var isRunning: Bool { state.withLock { $0.running } }
    }

    /// Asks the server to cancel the statement in progress; safe from any thread.
    ///
    /// The corresponding libpq function is `PQcancel`.
    public func cancel() {
        canceller.withLock { box in
            guard let pointer = box.pointer else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(pointer, &buffer, Int32(buffer.count))
        }
    }

    /// Closes the connection; later calls fail with `PGError.Code.closed`.
    public func close() async {
        let handle = handle
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queued = thread.submit {
                if let conn = handle.conn { PQfinish(conn) }
                handle.conn = nil
                continuation.resume()
            }
            if !queued { continuation.resume() }
        }
    }

    /// Runs one or more statements with the simple query protocol and returns the last result.
    ///
    /// The corresponding libpq function is `PQexec`.
    @discardableResult
    public func execute(_ sql: String) async throws -> QueryResult {
        let secrets = secrets
        return try await perform { conn in
            try Self.collect(PQexec(conn, sql), conn: conn, secrets: secrets)
        }
    }

    /// Runs one statement with text parameters `$1…$n`.
    ///
    /// The corresponding libpq function is `PQexecParams`.
    public func query(_ sql: String, _ parameters: [String?] = []) async throws -> QueryResult {
        let secrets = secrets
        return try await perform { conn in
            let values = parameters.map { $0.map { strdup($0) } ?? nil }
            defer { values.forEach { free($0) } }
            let result = values.withUnsafeBufferPointer { pointers in
                pointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { pointers in
                    PQexecParams(conn, sql, Int32(pointers.count), nil, pointers.baseAddress, nil, nil, 0)
                }
            }
            return try Self.collect(result, conn: conn, secrets: secrets)
        }
    }

    /// A server parameter reported at connection start, e.g. `server_encoding`.
    public func parameterStatus(_ name: String) async throws -> String? {
        try await perform { conn in
            PQparameterStatus(conn, name).map { String(cString: $0) }
        }
    }

    /// Quotes an identifier with the connection's encoding rules.
    ///
    /// The corresponding libpq function is `PQescapeIdentifier`.
    public func escapeIdentifier(_ identifier: String) async throws -> String {
        try await escape(identifier, PQescapeIdentifier)
    }

    /// Quotes a string literal with the connection's encoding rules.
    ///
    /// The corresponding libpq function is `PQescapeLiteral`.
    public func escapeLiteral(_ literal: String) async throws -> String {
        try await escape(literal, PQescapeLiteral)
    }

    private func escape(_ text: String,
                        _ function: @escaping @Sendable (OpaquePointer?, UnsafePointer<CChar>?, Int) -> UnsafeMutablePointer<CChar>?)
        async throws -> String {
        let secrets = secrets
        return try await perform { conn in
            let utf8Count = text.utf8.count
            guard let escaped = function(conn, text, utf8Count) else {
                throw PGError(code: .protocolViolation, message: String(cString: PQerrorMessage(conn)), redacting: secrets)
            }
            defer { PQfreemem(escaped) }
            return String(cString: escaped)
        }
    }

    /// Turns a `PGresult*` into a `QueryResult` or a `PGError`, and clears it.
    static func collect(_ result: OpaquePointer?, conn: OpaquePointer, secrets: [String]) throws -> QueryResult {
        guard let result else {
            throw PGError(code: .connection, message: String(cString: PQerrorMessage(conn)), redacting: secrets)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            throw PGError(code: .protocolViolation, message: "a COPY statement needs copyIn or copyOut")
        default:
            throw error(from: result, conn: conn, secrets: secrets)
        }
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let rows = (0..<Int(PQntuples(result))).map { row in
            QueryResult.Row(columns: columns, values: (0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        return QueryResult(columns: columns, rows: rows, commandTag: String(cString: PQcmdStatus(result)))
    }

    static func error(from result: OpaquePointer, conn: OpaquePointer, secrets: [String]) -> PGError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let sqlState = field(CLibPQ_DIAG_SQLSTATE)
        let message = field(CLibPQ_DIAG_MESSAGE_PRIMARY) ?? String(cString: PQresultErrorMessage(result))
        let lost = PQstatus(conn) != CONNECTION_OK
        return PGError(code: lost || sqlState == nil ? .connection : .server,
                       message: message.isEmpty ? String(cString: PQerrorMessage(conn)) : message,
                       sqlState: sqlState, detail: field(CLibPQ_DIAG_MESSAGE_DETAIL), hint: field(CLibPQ_DIAG_MESSAGE_HINT),
                       redacting: secrets)
    }
}
