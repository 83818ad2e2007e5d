import CLibPQ
import Foundation

extension PGConnection {
    /// Runs a `COPY … TO STDOUT` and hands its bytes to `emit` in chunks.
    ///
    /// Rows are appended to a chunk until it holds at least `chunkSize` bytes (one row larger
    /// than that makes one larger chunk); the bytes are never parsed, only the rows counted. `emit` runs on the
    /// connection thread and may block (back-pressure). If it throws, the COPY is cancelled
    /// and the error is rethrown.
    ///
    /// The corresponding libpq function is `PQgetCopyData`.
    /// - Parameter stall: fail when the server sends nothing for this long.
    /// - Returns: the row count from the server's `COPY n` command tag.
    public func copyOut(_ sql: String, chunkSize: Int, stall: Duration? = nil,
                        emit: @escaping @Sendable (_ chunk: [UInt8], _ rows: Int) throws -> Void) async throws -> Int {
        try await perform { conn, waiter in
            try Self.start(sql, expecting: PGRES_COPY_OUT, conn: conn, &waiter, stall: stall)
            var chunk = [UInt8]()
            chunk.reserveCapacity(chunkSize)
            var rowsInChunk = 0
            var buffer: UnsafeMutablePointer<CChar>?
            do {
                while true {
                    let length = PQgetCopyData(conn, &buffer, 1)
                    if length > 0, let row = buffer {
                        let message = UnsafeRawBufferPointer(start: row, count: Int(length))
                        chunk.append(contentsOf: message)
                        if !Self.isBinaryTrailer(message) { rowsInChunk += 1 }
                        PQfreemem(row)
                        if chunk.count >= chunkSize {
                            try emit(chunk, rowsInChunk)
                            rowsInChunk = 0
                            chunk = []
                            chunk.reserveCapacity(chunkSize)
                        }
                    } else if length == 0 {
                        _ = try waiter.wait(readable: true, writable: false, stall: stall)
                        guard PQconsumeInput(conn) == 1 else { throw waiter.connectionError() }
                    } else if length == -1 {
                        break
                    } else {
                        throw waiter.connectionError()
                    }
                }
                if !chunk.isEmpty { try emit(chunk, rowsInChunk) }
            } catch {
                // The other side of the pipe is gone: stop the server's scan and drop the
                // connection rather than drain what it still sends (a slow network would make
                // that take long). The scope that owns the connection closes it.
                waiter.abandon()
                throw error
            }
            return try Self.finish(conn, &waiter, stall: stall)
        }
    }

    /// Binary COPY ends with a trailer message (field count -1) that is no row. The 19-byte
    /// file header rides in the first row's message, or, when there is no row, in the trailer's.
    static func isBinaryTrailer(_ message: UnsafeRawBufferPointer) -> Bool {
        guard message.count == 2 || message.count == 21, message[message.count - 2] == 0xFF,
              message[message.count - 1] == 0xFF else { return false }
        return message.count == 2 || message.starts(with: binarySignature)
    }

    /// `PGCOPY\n\377\r\n\0`, the start of a binary COPY stream.
    static let binarySignature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    /// Runs a `COPY … FROM STDIN`, sending the chunks `next` returns until it returns nil.
    ///
    /// `next` runs on the connection thread and may block until data is available. If it throws,
    /// the COPY is aborted with `PQputCopyEnd(errormsg)`, so the server rolls the load back, and
    /// the error is rethrown. During COPY IN the server speaks only to report an error (or a
    /// notice), and libpq reads it only at the end: so between chunks, input on the socket that
    /// is not a notice ends the COPY at once with the server's error.
    ///
    /// The corresponding libpq functions are `PQputCopyData` and `PQputCopyEnd`.
    /// - Parameter stall: fail when the server accepts nothing for this long.
    /// - Returns: the row count from the server's `COPY n` command tag.
    public func copyIn(_ sql: String, stall: Duration? = nil, next: @escaping @Sendable () throws -> [UInt8]?) async throws -> Int {
        let handle = handle
        return try await perform { conn, waiter in
            try Self.start(sql, expecting: PGRES_COPY_IN, conn: conn, &waiter, stall: stall)
            /// True when the server sent something other than notices: it has ended the COPY.
            func serverSpoke() throws -> Bool {
                let notices = handle.notices
                guard PQconsumeInput(conn) == 1 else { throw waiter.connectionError() }
                _ = PQputCopyData(conn, "", 0)  // parses (and counts) the notices read
                return handle.notices == notices
            }
            do {
                while let chunk = try next() {
                    if waiter.hasInput(), try serverSpoke() { throw ServerEndedCopy() }
                    // libpq's buffer grows to take any chunk; the chunk must then leave within
                    // the stall limit, however it trickles out.
                    let sending = ContinuousClock.now
                    let queued = chunk.withUnsafeBytes { bytes in
                        PQputCopyData(conn, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
                    }
                    if queued != 1 { throw waiter.connectionError() }
                    while true {
                        let flushed = PQflush(conn)
                        if flushed == 0 { break }
                        if flushed < 0 { throw waiter.connectionError() }
                        let ready = try waiter.wait(readable: true, writable: true, stall: stall, since: sending)
                        if ready.readable, try serverSpoke() { throw ServerEndedCopy() }
                    }
                }
                try Self.endCopy(conn, &waiter, message: nil, stall: stall)
            } catch is ServerEndedCopy {
                throw Self.abortCopyIn(conn, &waiter, reason: "the target reported an error") ?? waiter.connectionError()
            } catch {
                _ = Self.abortCopyIn(conn, &waiter, reason: "the other side of the pipe failed")
                throw error
            }
            return try Self.finish(conn, &waiter, stall: stall)
        }
    }

    private struct ServerEndedCopy: Error {}

    private static func endCopy(_ conn: OpaquePointer, _ waiter: inout SocketWaiter, message: String?, stall: Duration?) throws {
        while true {
            let ended = PQputCopyEnd(conn, message)
            if ended == 1 { break }
            if ended < 0 { throw waiter.connectionError() }
            _ = try waiter.wait(readable: false, writable: true, stall: stall)
        }
        try flush(conn, &waiter, stall: stall)
    }

    /// Ends a failed COPY IN so the server rolls it back; returns the server's error, if it sent one.
    private static func abortCopyIn(_ conn: OpaquePointer, _ waiter: inout SocketWaiter, reason: String) -> PGError? {
        guard PQstatus(conn) == CONNECTION_OK else { return nil }
        do {
            try endCopy(conn, &waiter, message: "pgferry aborted the COPY: \(reason)", stall: SocketWaiter.cancelGrace)
            _ = try finish(conn, &waiter, stall: SocketWaiter.cancelGrace)
            return nil
        } catch let error as PGError where error.code == .server {
            return error
        } catch {
            return nil
        }
    }

    /// Sends a statement that starts a COPY and waits until the server is in `status`.
    static func start(_ sql: String, expecting status: ExecStatusType, conn: OpaquePointer,
                      _ waiter: inout SocketWaiter, stall: Duration?) throws {
        guard PQsendQuery(conn, sql) == 1 else { throw waiter.connectionError() }
        try flush(conn, &waiter, stall: stall)
        guard let result = try nextResult(conn, &waiter, stall: stall) else { throw waiter.connectionError() }
        defer { PQclear(result) }
        guard PQresultStatus(result) == status else {
            let failure = error(from: result, conn: conn, secrets: waiter.secrets)
            while let rest = try? nextResult(conn, &waiter, stall: stall) { PQclear(rest) }
            throw failure
        }
    }

    /// Reads the results that follow a COPY until libpq has none left; returns the row count.
    private static func finish(_ conn: OpaquePointer, _ waiter: inout SocketWaiter, stall: Duration?) throws -> Int {
        var rows = 0
        var failure: PGError?
        while let result = try nextResult(conn, &waiter, stall: stall) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if failure == nil {
                failure = error(from: result, conn: conn, secrets: waiter.secrets)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return rows
    }
}
