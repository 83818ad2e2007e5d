import CLibPQ
import Foundation
import Synchronization

/// How a libpq call waits for its socket on the connection thread: never without a bound.
///
/// Every wait wakes at least every tick (100 ms) to look at the job's cancel flag. Cancellation sends
/// the server a cancel request (on a thread of its own) and keeps waiting for the server's
/// answer for `cancelGrace`; after that the socket is shut down, so a server or network that
/// stopped answering cannot keep the thread. A `stall` limit fails the wait when no byte moves.
struct SocketWaiter {
    struct Readiness {
        var readable: Bool
        var writable: Bool
    }

    let conn: OpaquePointer
    let job: PGConnection.JobState
    let canceller: CancelHandle
    let secrets: [String]
    private var cancelSentAt: ContinuousClock.Instant?

    /// Milliseconds between looks at the cancel flag while nothing happens.
    static let tickMilliseconds: Int32 = 100
    /// How long a cancelled statement may take to end before the socket is shut down.
    static let cancelGrace = Duration.seconds(1)

    init(conn: OpaquePointer, job: PGConnection.JobState, canceller: CancelHandle, secrets: [String]) {
        self.conn = conn
        self.job = job
        self.canceller = canceller
        self.secrets = secrets
    }

    /// Waits until the socket is readable or writable as asked (`POLLIN`, `POLLOUT`).
    /// - Parameter stall: fail when nothing happens for this long; nil waits for as long as the
    ///   statement runs (a long index build sends nothing), bounded only by cancellation and TCP keepalives.
    /// - Parameter start: when the wait for this progress began, if before this call (a chunk
    ///   that trickles out in many small writes is still one stall).
    /// - Parameter deadline: give up quietly then, returning neither readable nor writable (a
    ///   reader that must wake up now and then to send something of its own).
    mutating func wait(readable: Bool, writable: Bool, stall: Duration?,
                       since start: ContinuousClock.Instant = .now,
                       until deadline: ContinuousClock.Instant? = nil) throws -> Readiness {
        let socket = PQsocket(conn)
        guard socket >= 0 else { throw PGError(code: .connection, message: "the connection has no socket") }
        var events: Int16 = 0
        if readable { events |= Int16(POLLIN) }
        if writable { events |= Int16(POLLOUT) }
        while true {
            try checkCancellation(socket: socket)
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            // A deadline sooner than the tick is kept (a zero wait only looks).
            let ready = poll(&descriptor, 1, deadline.map { Self.milliseconds(until: $0) } ?? Self.tickMilliseconds)
            if ready > 0 {
                let revents = Int32(descriptor.revents)
                // An error or hang-up is "readable": libpq's next read reports what happened.
                let trouble = revents & Int32(POLLERR | POLLHUP | POLLNVAL) != 0
                return Readiness(readable: revents & Int32(POLLIN) != 0 || trouble, writable: revents & Int32(POLLOUT) != 0)
            }
            if ready < 0 && errno != EINTR {
                throw PGError(code: .connection, message: "waiting for the server failed: \(String(cString: strerror(errno)))")
            }
            if let stall, ContinuousClock.now - start >= stall {
                abandon()
                throw PGError(code: .stalled, message: "the server sent and accepted nothing for \(Self.describe(stall))",
                              redacting: secrets)
            }
            if let deadline, ContinuousClock.now >= deadline { return Readiness(readable: false, writable: false) }
        }
    }

    /// The poll timeout until `deadline`: at most a tick, zero once it has passed.
    static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { return 0 }
        let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
        return Int32(min(Int64(tickMilliseconds), max(1, milliseconds)))
    }

    /// Whether the socket has input waiting now, without blocking.
    func hasInput() -> Bool {
        var descriptor = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    /// Gives up on the connection at once: asks the server to cancel what it runs and shuts the
    /// socket down, so every later call on it fails without waiting.
    func abandon() {
        canceller.send()
        shutdown(PQsocket(conn), Int32(SHUT_RDWR))
    }

    /// Asks the server to cancel (once) and, after the grace period, gives up on the connection.
    private mutating func requestCancel() {
        guard cancelSentAt == nil else { return }
        cancelSentAt = .now
        canceller.send()
    }

    private mutating func checkCancellation(socket: Int32) throws {
        if job.isCancelled { requestCancel() }
        guard let sentAt = cancelSentAt, ContinuousClock.now - sentAt >= Self.cancelGrace else { return }
        // The server did not end the statement in time (stopped, or the network is gone):
        // stop waiting for it. The connection is unusable from here on.
        shutdown(socket, Int32(SHUT_RDWR))
        throw PGError(code: .cancelled, message: "cancelled; the server did not answer within \(Self.describe(Self.cancelGrace)), connection closed")
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}

/// libpq's cancel handle for one connection. `send` never blocks its caller: `PQcancel` opens a
/// new connection to the server, which can take as long as the network lets it, so it runs on a
/// thread of its own, one at a time.
final class CancelHandle: Sendable {
    private struct Pointer: @unchecked Sendable {  // safe: PQcancel only reads it; freed in deinit
        let value: OpaquePointer
    }

    private let pointer: Pointer
    private let inFlight = Atomic<Bool>(false)

    init(_ pointer: OpaquePointer) { self.pointer = Pointer(value: pointer) }

    deinit { PQfreeCancel(pointer.value) }

    func send() {
        guard inFlight.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        let thread = Thread { [self] in
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(pointer.value, &buffer, Int32(buffer.count))
            inFlight.store(false, ordering: .releasing)
        }
        thread.name = "pgferry-cancel"
        thread.start()
    }
}
