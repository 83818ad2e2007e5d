import CLibPQ
import Foundation
import Synchronization

/// One libpq connection, driven from async code.
///
/// Every libpq call runs on the connection's own thread (`ConnectionThread`), so blocking calls
/// never occupy Swift's cooperative pool. Calls are serialised in submission order. The
/// connection is non-blocking: every wait is a bounded `poll` (`SocketWaiter`) that notices
/// cancellation, so no call outlives a cancel by more than the grace period.
public final class PGConnection: Sendable {
    /// The `PGconn*` and what lives as long as it, touched only on `thread`.
    final class Handle: @unchecked Sendable {  // safe: confined to the connection thread
        var conn: OpaquePointer?
        /// Notices the server sent, counted by libpq's notice receiver.
        var notices = 0
        /// Statements prepared on the server for `PGConnection.pipeline`, by text: their names.
        var prepared: [String: String] = [:]
        /// Names handed out, so a name is never used twice even if its Prepare failed.
        var preparedNames = 0
    }

    let thread: ConnectionThread
    let handle: Handle
    let canceller: CancelHandle
    let secrets: [String]
    /// The server version as `PQserverVersion` reports it, e.g. 150018.
    public let serverVersion: Int
    /// The server process serving this connection (`PQbackendPID`).
    public let backendPID: Int
    public let configuration: ConnectionConfiguration

    private init(thread: ConnectionThread, handle: Handle, configuration: ConnectionConfiguration, opened: Opened) {
        self.thread = thread
        self.handle = handle
        self.configuration = configuration
        self.secrets = configuration.secrets
        self.serverVersion = opened.version
        self.backendPID = opened.backendPID
        self.canceller = CancelHandle(opened.cancel.pointer)
    }

    deinit {
        let handle = handle
        thread.submit {
            if let conn = handle.conn { PQfinish(conn) }
            handle.conn = nil
        }
        thread.stop()
    }

    /// Opens a connection. The corresponding libpq functions are `PQconnectStartParams` and
    /// `PQconnectPoll`: the connection is set up without blocking, so cancellation ends it at
    /// once, and it fails when a step makes no progress for `connect_timeout` seconds.
    public static func connect(_ configuration: ConnectionConfiguration) async throws -> PGConnection {
        try Task.checkCancellation()
        let thread = ConnectionThread(name: "pgferry-conn")
        let handle = Handle()
        let job = JobState()
        do {
            let opened: Opened = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    thread.submit {
                        continuation.resume(with: Result { try Self.open(configuration, handle: handle, job: job) })
                    }
                }
            } onCancel: {
                job.cancel()
            }
            return PGConnection(thread: thread, handle: handle, configuration: configuration, opened: opened)
        } catch {
            thread.stop()
            throw error
        }
    }

    private struct Opened: @unchecked Sendable {  // safe: handed over once, from the connection thread
        struct Pointer { let pointer: OpaquePointer }
        var cancel: Pointer
        var version: Int
        var backendPID: Int
    }

    private static func open(_ configuration: ConnectionConfiguration, handle: Handle, job: JobState) throws -> Opened {
        let secrets = configuration.secrets
        let parameters = configuration.effectiveParameters
        let keywords = parameters.map { strdup($0.keyword) } + [nil]
        let values = parameters.map { strdup($0.value) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        // expand_dbname 0: a dbname is a name, never a connection string.
        let conn = keywords.withUnsafeBufferPointer { keywordPointers in
            values.withUnsafeBufferPointer { valuePointers in
                keywordPointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { keywordPointers in
                    valuePointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { valuePointers in
                        PQconnectStartParams(keywordPointers.baseAddress, valuePointers.baseAddress, 0)
                    }
                }
            }
        }
        guard let conn else {
            throw PGError(code: .connection, message: "could not allocate a libpq connection")
        }
        func fail(_ message: String, code: PGError.Code = .connection) -> PGError {
            PQfinish(conn)
            return PGError(code: code, message: "could not connect to \(configuration.redactedDescription): \(message)",
                           redacting: secrets)
        }
        let stepTimeout = configuration.connectTimeout
        var status = PQstatus(conn) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING
        var stepStart = ContinuousClock.now
        while status != PGRES_POLLING_OK {
            if status == PGRES_POLLING_FAILED { throw fail(String(cString: PQerrorMessage(conn))) }
            if job.isCancelled { throw fail("cancelled", code: .cancelled) }
            if let stepTimeout, ContinuousClock.now - stepStart >= stepTimeout {
                throw fail("timeout expired after \(SocketWaiter.describe(stepTimeout)) without an answer")
            }
            var descriptor = pollfd(fd: PQsocket(conn), events: Int16(status == PGRES_POLLING_READING ? POLLIN : POLLOUT),
                                    revents: 0)
            if poll(&descriptor, 1, SocketWaiter.tickMilliseconds) > 0 {
                status = PQconnectPoll(conn)
                stepStart = .now
            }
        }
        // libpq prints notices on stderr by default; pgferry counts them instead (a COPY IN
        // tells a notice from an error by it).
        PQsetNoticeReceiver(conn, { context, _ in
            guard let context else { return }
            Unmanaged<Handle>.fromOpaque(context).takeUnretainedValue().notices += 1
        }, Unmanaged.passUnretained(handle).toOpaque())
        guard PQsetnonblocking(conn, 1) == 0 else { throw fail("could not make the connection non-blocking") }
        guard let cancel = PQgetCancel(conn) else { throw fail("could not create a cancel handle") }
        handle.conn = conn
        return Opened(cancel: .init(pointer: cancel), version: Int(PQserverVersion(conn)), backendPID: Int(PQbackendPID(conn)))
    }

    /// Runs `body` on the connection thread with the live `PGconn*` and a waiter for its socket.
    ///
    /// Swift task cancellation marks the job cancelled: one that has not started never starts;
    /// a running one sees the mark at its next wait (at most 100 ms later), sends a cancel
    /// request and gives the server `SocketWaiter.cancelGrace` to end the statement.
    func perform<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer, inout SocketWaiter) throws -> T) async throws -> T {
        try Task.checkCancellation()
        let handle = handle
        let canceller = canceller
        let secrets = secrets
        let job = JobState()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let queued = thread.submit {
                    guard let conn = handle.conn else {
                        continuation.resume(throwing: PGError(code: .closed, message: "the connection is closed"))
                        return
                    }
                    guard !job.isCancelled else {
                        continuation.resume(throwing: CancellationError())
                        return
                    }
                    var waiter = SocketWaiter(conn: conn, job: job, canceller: canceller, secrets: secrets)
                    continuation.resume(with: Result { try body(conn, &waiter) })
                }
                if !queued {
                    continuation.resume(throwing: PGError(code: .closed, message: "the connection is closed"))
                }
            }
        } onCancel: {
            job.cancel()
        }
    }

    /// Whether a job was cancelled: before it starts (it never does), or while it runs (its
    /// socket waits see it).
    final class JobState: Sendable {
        private let cancelled = Mutex(false)

        func cancel() { cancelled.withLock { $0 = true } }

        var isCancelled: Bool { cancelled.withLock { $0 } }
    }

    /// Asks the server to cancel the statement in progress; returns at once, from any thread.
    ///
    /// The corresponding libpq function is `PQcancel`, run on a thread of its own.
    public func cancel() {
        canceller.send()
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
    /// The corresponding libpq function is `PQsendQuery`.
    @discardableResult
    public func execute(_ sql: String) async throws -> QueryResult {
        try await perform { conn, waiter in
            guard PQsendQuery(conn, sql) == 1 else { throw waiter.connectionError() }
            return try Self.results(conn, &waiter)
        }
    }

    /// Runs one statement with its parameters, typed, in text format. Its rows are copied out
    /// one at a time as they arrive (`reduceRows`), so libpq's copy of the whole result and
    /// the Swift one are never held together.
    ///
    /// The corresponding libpq function is `PQsendQueryParams`.
    public func query(_ query: PGQuery) async throws -> QueryResult {
        try await perform { conn, waiter in
            var rows: [QueryResult.Row] = []
            let last = try Self.rowByRow(query, conn, &waiter) { rows.append($0) }
            return QueryResult(columns: last.columns, rows: rows, commandTag: last.commandTag)
        }
    }

    /// Queues `query` with `PQsendQueryParams`, its values in text format.
    static func send(_ query: PGQuery, _ conn: OpaquePointer, _ waiter: inout SocketWaiter) throws {
        let values = query.binds.map { $0.text.map { strdup($0) } ?? nil }
        defer { values.forEach { free($0) } }
        let types = query.binds.map { Oid($0.type) }
        let sent = values.withUnsafeBufferPointer { pointers in
            pointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { pointers in
                PQsendQueryParams(conn, query.sql, Int32(pointers.count), types, pointers.baseAddress, nil, nil, 0)
            }
        }
        guard sent == 1 else { throw waiter.connectionError() }
    }

    /// A server parameter reported at connection start, e.g. `server_encoding`.
    public func parameterStatus(_ name: String) async throws -> String? {
        try await perform { conn, _ in
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
        return try await perform { conn, _ in
            let utf8Count = text.utf8.count
            guard let escaped = function(conn, text, utf8Count) else {
                throw PGError(code: .protocolViolation, message: String(cString: PQerrorMessage(conn)), redacting: secrets)
            }
            defer { PQfreemem(escaped) }
            return String(cString: escaped)
        }
    }

    /// Turns a `PGresult*` into a `QueryResult` or a `PGError`, and clears it.
    static func collect(_ result: OpaquePointer, conn: OpaquePointer, secrets: [String]) throws -> QueryResult {
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            throw PGError(code: .protocolViolation, message: "a COPY statement needs copyIn or copyOut")
        default:
            throw error(from: result, conn: conn, secrets: secrets)
        }
        let columns = columnNames(result)
        let rows = (0..<Int(PQntuples(result))).map { row(Int32($0), of: result, columns: columns) }
        return QueryResult(columns: columns, rows: rows, commandTag: String(cString: PQcmdStatus(result)))
    }

    static func columnNames(_ result: OpaquePointer) -> [String] {
        (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
    }

    /// Row `row` of `result`, copied out of it.
    static func row(_ row: Int32, of result: OpaquePointer, columns: [String]) -> QueryResult.Row {
        QueryResult.Row(columns: columns, values: (0..<Int32(columns.count)).map { column in
            PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
        })
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

extension PGConnection {
    /// Opens a connection, runs `body` with it, and closes it, awaited, however `body` ends.
    public static func withConnection<T>(_ configuration: ConnectionConfiguration,
                                         _ body: (PGConnection) async throws -> T) async throws -> T {
        try await connect(configuration).closing(body)
    }

    /// Runs `body` with this connection and closes it afterwards, awaited, however `body` ends.
    public func closing<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        do {
            let value = try await body(self)
            await close()
            return value
        } catch {
            await close()
            throw error
        }
    }
}
