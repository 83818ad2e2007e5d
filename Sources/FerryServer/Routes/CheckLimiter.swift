import Hummingbird
import Synchronization

/// Bounds the requests that open connections to databases on demand (test-connection, validate,
/// plan): each one can hold connections to production for minutes, so a burst must not open a
/// connection per request. Beyond the limit the answer is 429 at once, nothing queues.
final class CheckLimiter: Sendable {
    private let running = Mutex(0)
    let limit: Int
    let timeout: Duration

    init(limit: Int, timeout: Duration) {
        self.limit = limit
        self.timeout = timeout
    }

    /// Runs `body` in one of the slots, cancelled once `timeout` has passed.
    func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let admitted = running.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw APIError(.tooManyRequests,
                           "too many database checks at once (the limit is \(limit) test-connection, validate and plan "
                               + "requests): retry when one has finished",
                           headers: [.retryAfter: "1"])
        }
        defer { running.withLock { $0 -= 1 } }
        return try await withDeadline(timeout, what, body)
    }
}

/// Runs `body` and cancels it after `timeout` (task cancellation reaches libpq as a cancel
/// request), answering 504. Session settings of the engine switch `statement_timeout` off, so
/// this is the bound on a long count.
func withDeadline<T: Sendable>(_ timeout: Duration, _ what: String,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw APIError(.gatewayTimeout, "\(what) took longer than \(timeout.components.seconds) s and was cancelled")
        }
        return value
    }
}
