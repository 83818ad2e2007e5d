import Hummingbird
import Synchronization

/// Bounds the requests that open connections to databases on demand (test-connection, validate,
/// plan): each one can hold connections to production for minutes, so a burst must not open a
/// connection per request. Beyond the limit the answer is 429 at once, nothing queues. A check
/// that outlives `timeout` is cancelled and answered 504 at once; its slot stays taken until its
/// work has really ended, so the bound holds even for a libpq call that ignores the cancel.
final class CheckLimiter: Sendable {
    private let running = Mutex(0)
    let limit: Int
    let timeout: Duration

    init(limit: Int, timeout: Duration) {
        self.limit = limit
        self.timeout = timeout
    }

    func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let admitted = running.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw APIError(.tooManyRequests,
                           "too many database checks at once (at most \(limit) test-connection, validate and plan "
                               + "requests run together): retry when one has finished",
                           headers: [.retryAfter: "1"])
        }
        let work = Task {
            defer { running.withLock { $0 -= 1 } }
            return try await body()
        }
        let timeout = timeout
        return try await FirstOutcome.of(work, orAfter: timeout,
                                         APIError(.gatewayTimeout, "\(what) took longer than \(timeout.components.seconds) s and was cancelled"))
    }
}

/// The outcome of `work`, or `timeoutError` once `timeout` has passed (then `work` is cancelled:
/// task cancellation reaches libpq as a cancel request). The engine's sessions switch
/// `statement_timeout` off, so this is what bounds a long validation.
final class FirstOutcome<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    static func of(_ work: Task<T, any Error>, orAfter timeout: Duration, _ timeoutError: any Error) async throws -> T {
        let outcome = FirstOutcome()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                outcome.continuation.withLock { $0 = continuation }
                let timer = Task {
                    try await Task.sleep(for: timeout)
                    if outcome.resume(.failure(timeoutError)) { work.cancel() }
                }
                Task {
                    let result = await work.result
                    timer.cancel()
                    outcome.resume(result)
                }
            }
        } onCancel: {
            work.cancel()  // the client went away
        }
    }

    /// Resumes the waiter once; false when it was already resumed.
    @discardableResult
    private func resume(_ result: Result<T, any Error>) -> Bool {
        guard let waiting = continuation.withLock({ $0.take() }) else { return false }
        waiting.resume(with: result)
        return true
    }
}
