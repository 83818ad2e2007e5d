import CLibPQ
import Synchronization

/// The CopyBoth stream `START_REPLICATION` opens: the server's CopyData messages in (XLogData
/// `w`, keepalive `k`), the client's out (standby status `r`), as raw bytes.
///
/// Reads and writes are jobs on the connection's thread, run in the order they are called; none
/// blocks that thread without a bound. Cancelling the task of a waiting read asks the server to
/// cancel the stream: the read fails within about the cancel grace period (1 s), and the
/// connection is back in command mode if the server answered (or unusable if it did not).
public final class ReplicationStream: Sendable {
    let connection: PGConnection
    /// A read fails when no byte has moved either way for this long; nil for no limit.
    public let stall: Duration?
    /// When a byte last moved, from the server or to it: the stall limit spans reads that wake
    /// up empty, and a caller busy elsewhere for a while gets `stall` to hear from the server
    /// again after its next status.
    private let lastExchange = Mutex(ContinuousClock.now)
    /// Set on the connection thread once the server has ended the stream (or `end` did).
    private let ended = Mutex(false)

    init(connection: PGConnection, stall: Duration?) {
        self.connection = connection
        self.stall = stall
    }

    /// The next CopyData message, or nil when none arrived within `wait` (time to send a
    /// standby status, which the server expects at least every `wal_sender_timeout`).
    ///
    /// Throws when the server ends the stream (an error, or a shutdown), the connection is lost,
    /// the stall limit passes, or the task is cancelled.
    ///
    /// The corresponding libpq function is `PQgetCopyData` (async mode).
    public func next(waitingAtMost wait: Duration) async throws -> [UInt8]? {
        try await messages(waitingAtMost: wait, limit: 1).first
    }

    /// The CopyData messages that have arrived, at most `limit`, in one trip to the connection's
    /// thread (a busy stream delivers thousands a second); waits up to `wait` for the first one
    /// only, and is empty when none arrived. Throws as `next(waitingAtMost:)`.
    public func messages(waitingAtMost wait: Duration, limit: Int) async throws -> [[UInt8]] {
        let stall = stall
        let heard = lastExchange.withLock { $0 }
        let (messages, lastByte) = try await connection.perform { [self] conn, waiter -> ([[UInt8]], ContinuousClock.Instant) in
            let deadline = ContinuousClock.now + wait
            var lastByte = heard
            var messages: [[UInt8]] = []
            var buffer: UnsafeMutablePointer<CChar>?
            while messages.count < limit {
                let length = PQgetCopyData(conn, &buffer, 1)
                if length > 0, let bytes = buffer {
                    defer { PQfreemem(bytes) }
                    // Cancelled: drop what still arrives until the server ends the stream (nothing
                    // dropped was confirmed, so the slot sends it again).
                    if waiter.job.isCancelled { continue }
                    messages.append([UInt8](UnsafeRawBufferPointer(start: bytes, count: Int(length))))
                    lastByte = .now
                    continue
                }
                if length == -1 {
                    ended.withLock { $0 = true }
                    throw Self.serverEnded(conn, &waiter)
                }
                if length < -1 { throw waiter.connectionError() }
                // What has arrived is taken; only an empty hand waits.
                if !messages.isEmpty { break }
                let ready = try waiter.wait(readable: true, writable: false, stall: stall, since: lastByte, until: deadline)
                // A cancelled read waits for the server's answer to the cancel (bounded by the
                // cancel grace) and fails, so the connection is left in a known state.
                guard ready.readable else {
                    if waiter.job.isCancelled { continue }
                    break
                }
                guard PQconsumeInput(conn) == 1 else { throw waiter.connectionError() }
                lastByte = .now
            }
            return (messages, lastByte)
        }
        lastExchange.withLock { $0 = max($0, lastByte) }
        return messages
    }

    /// Sends one CopyData message (e.g. a standby status) and waits until libpq has handed it to
    /// the socket; fails when the socket takes nothing for the stall limit.
    ///
    /// The corresponding libpq functions are `PQputCopyData` and `PQflush`.
    public func send(_ message: [UInt8]) async throws {
        let stall = stall
        try await connection.perform { conn, waiter in
            let queued = message.withUnsafeBytes { bytes in
                PQputCopyData(conn, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
            }
            guard queued == 1 else { throw waiter.connectionError() }
            try PGConnection.flush(conn, &waiter, stall: stall)
        }
        lastExchange.withLock { $0 = .now }
    }

    /// Ends the stream cleanly: sends CopyDone, lets the server finish (messages still in flight
    /// are dropped: whatever they held is sent again from the slot's confirmed position next
    /// time), and leaves the connection in command mode, e.g. for `dropSlot`. Does nothing when
    /// the server has ended the stream already (an error, a cancelled read).
    ///
    /// The corresponding libpq function is `PQputCopyEnd`.
    /// - Parameter timeout: how long the server may take to end its side.
    public func end(timeout: Duration = .seconds(10)) async throws {
        try await connection.perform { [self] conn, waiter in
            guard !ended.withLock({ $0 }) else { return }
            defer { ended.withLock { $0 = true } }
            while true {
                let ended = PQputCopyEnd(conn, nil)
                if ended == 1 { break }
                if ended < 0 { throw waiter.connectionError() }
                _ = try waiter.wait(readable: false, writable: true, stall: timeout)
            }
            try PGConnection.flush(conn, &waiter, stall: timeout)
            let start = ContinuousClock.now
            var buffer: UnsafeMutablePointer<CChar>?
            while true {
                let length = PQgetCopyData(conn, &buffer, 1)
                if length > 0 {
                    PQfreemem(buffer)
                } else if length == 0 {
                    _ = try waiter.wait(readable: true, writable: false, stall: timeout, since: start)
                    guard PQconsumeInput(conn) == 1 else { throw waiter.connectionError() }
                } else if length == -1 {
                    break
                } else {
                    throw waiter.connectionError()
                }
            }
            var failure: PGError?
            while let result = try PGConnection.nextResult(conn, &waiter, stall: timeout) {
                if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil {
                    failure = PGConnection.error(from: result, conn: conn, secrets: waiter.secrets)
                }
                PQclear(result)
            }
            if let failure { throw failure }
        }
    }

    /// The stream ended from the server's side: its error, or why a clean end is one here.
    private static func serverEnded(_ conn: OpaquePointer, _ waiter: inout SocketWaiter) -> PGError {
        var failure: PGError?
        while let result = try? PGConnection.nextResult(conn, &waiter, stall: SocketWaiter.cancelGrace) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil {
                failure = PGConnection.error(from: result, conn: conn, secrets: waiter.secrets)
            }
            PQclear(result)
        }
        if let failure { return failure }
        guard PQstatus(conn) == CONNECTION_OK else { return waiter.connectionError() }
        return PGError(code: .connection, message: "the server ended the replication stream without an error "
            + "(it is shutting down, or the slot went away); start replication again from the last flushed position")
    }
}
