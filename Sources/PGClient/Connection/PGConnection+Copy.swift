import CLibPQ

extension PGConnection {
    /// Runs a `COPY … TO STDOUT` and hands its bytes to `emit` in chunks.
    ///
    /// Rows are appended to a chunk until it holds at least `chunkSize` bytes (one row larger
    /// than that makes one larger chunk); the bytes are never parsed, only the rows counted. `emit` runs on the
    /// connection thread and may block (back-pressure). If it throws, the COPY is cancelled
    /// and the error is rethrown.
    ///
    /// The corresponding libpq function is `PQgetCopyData`.
    /// - Returns: the row count from the server's `COPY n` command tag.
    public func copyOut(_ sql: String, chunkSize: Int,
                        emit: @escaping @Sendable (_ chunk: [UInt8], _ rows: Int) throws -> Void) async throws -> Int {
        let secrets = secrets
        return try await perform { [self] conn in
            try Self.start(sql, expecting: PGRES_COPY_OUT, conn: conn, secrets: secrets)
            var chunk = [UInt8]()
            chunk.reserveCapacity(chunkSize)
            var rowsInChunk = 0
            var buffer: UnsafeMutablePointer<CChar>?
            do {
                while true {
                    let length = PQgetCopyData(conn, &buffer, 0)
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
                    } else if length == -1 {
                        break
                    } else {
                        throw PGError(code: .connection, message: String(cString: PQerrorMessage(conn)), redacting: secrets)
                    }
                }
                if !chunk.isEmpty { try emit(chunk, rowsInChunk) }
            } catch {
                // Stop the server from sending the rest, then drain what is in flight.
                cancel()
                while PQgetCopyData(conn, &buffer, 0) > 0 { PQfreemem(buffer) }
                _ = try? Self.finish(conn: conn, secrets: secrets)
                throw error
            }
            return try Self.finish(conn: conn, secrets: secrets)
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
    /// the error is rethrown.
    ///
    /// The corresponding libpq functions are `PQputCopyData` and `PQputCopyEnd`.
    /// - Returns: the row count from the server's `COPY n` command tag.
    public func copyIn(_ sql: String, next: @escaping @Sendable () throws -> [UInt8]?) async throws -> Int {
        let secrets = secrets
        return try await perform { conn in
            try Self.start(sql, expecting: PGRES_COPY_IN, conn: conn, secrets: secrets)
            do {
                while let chunk = try next() {
                    let sent = chunk.withUnsafeBytes { bytes in
                        PQputCopyData(conn, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
                    }
                    if sent != 1 { throw Self.pendingError(conn: conn, secrets: secrets) }
                }
            } catch {
                _ = PQputCopyEnd(conn, "pgferry aborted the COPY: the source side failed")
                _ = try? Self.finish(conn: conn, secrets: secrets)
                throw error
            }
            guard PQputCopyEnd(conn, nil) == 1 else {
                throw Self.pendingError(conn: conn, secrets: secrets)
            }
            return try Self.finish(conn: conn, secrets: secrets)
        }
    }

    private static func start(_ sql: String, expecting status: ExecStatusType, conn: OpaquePointer,
                              secrets: [String]) throws {
        guard let result = PQexec(conn, sql) else {
            throw PGError(code: .connection, message: String(cString: PQerrorMessage(conn)), redacting: secrets)
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == status else {
            throw error(from: result, conn: conn, secrets: secrets)
        }
    }

    /// Reads the results that follow a COPY until libpq has none left; returns the row count.
    private static func finish(conn: OpaquePointer, secrets: [String]) throws -> Int {
        var rows = 0
        var failure: PGError?
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if failure == nil {
                failure = error(from: result, conn: conn, secrets: secrets)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return rows
    }

    /// The server's error after a failed send: the result libpq has queued, or the connection error.
    private static func pendingError(conn: OpaquePointer, secrets: [String]) -> PGError {
        do {
            _ = try finish(conn: conn, secrets: secrets)
        } catch let error as PGError {
            return error
        } catch {}
        return PGError(code: .connection, message: String(cString: PQerrorMessage(conn)), redacting: secrets)
    }
}
