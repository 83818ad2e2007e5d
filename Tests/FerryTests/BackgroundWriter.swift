@testable import Ferry
import FerryTestSupport
import Synchronization

/// FollowTests' adversarial writer (`FollowTests.writeRound`) running on its own until stopped:
/// for tests whose pgferry runs as a separate process, or dies and restarts under the writes.
final class BackgroundWriter: Sendable {
    private struct State {
        var stopping = false
        var truncates = 0
        var bulks = 0
        var rounds = 0
        var failure: String?
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let shared: Shared
    private let task: Task<Int, any Error>

    /// Starts writing rounds on two sessions of `source` (loaded with `FollowTests.schema`), a
    /// pause between them.
    init(_ source: TestDatabase, pause: Duration = .milliseconds(100)) {
        let shared = Shared()
        self.shared = shared
        task = Task {
            do {
                return try await Self.write(shared, source, pause: pause)
            } catch {
                shared.state.withLock { $0.failure = "\(error)" }
                throw error
            }
        }
    }

    /// Rounds committed so far.
    var rounds: Int { shared.state.withLock { $0.rounds } }

    /// The next round ends with a TRUNCATE; only once no copy holds the tables' locks (a
    /// worker's lock queued behind the TRUNCATE would wait for it).
    func truncateNextRound() { shared.state.withLock { $0.truncates += 1 } }

    /// The next round ends with `FollowTests.writeRound`'s bulk transactions (25 001 rows each):
    /// larger than what the apply holds in memory.
    func bulkNextRound() { shared.state.withLock { $0.bulks += 1 } }

    /// Waits until `count` more rounds are committed; fails when the writer failed, or after `timeout`.
    func waitForRounds(_ count: Int, timeout: Duration = .seconds(60)) async throws {
        let goal = rounds + count
        let deadline = ContinuousClock.now + timeout
        while rounds < goal {
            if let failure = shared.state.withLock({ $0.failure }) { throw Failure(description: "the writer failed: \(failure)") }
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "the writer committed \(count - (goal - rounds)) of \(count) rounds in \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Stops after the round in progress; the rounds written, or the writer's failure.
    @discardableResult
    func stop() async throws -> Int {
        shared.state.withLock { $0.stopping = true }
        return try await task.value
    }

    deinit {
        task.cancel()
    }

    private static func write(_ shared: Shared, _ source: TestDatabase, pause: Duration) async throws -> Int {
        try await PGConnection.withConnection(source.configuration) { first in
            try await PGConnection.withConnection(source.configuration) { second in
                // Decoding reads flushed WAL only: the test clusters commit asynchronously.
                try await first.execute("SET synchronous_commit = on")
                try await second.execute("SET synchronous_commit = on")
                var round = 0
                while !shared.state.withLock({ $0.stopping }) {
                    let (truncate, bulk) = shared.state.withLock { state in
                        defer {
                            state.truncates = max(0, state.truncates - 1)
                            state.bulks = max(0, state.bulks - 1)
                        }
                        return (state.truncates > 0, state.bulks > 0)
                    }
                    try await FollowTests.writeRound(round, first, second, truncate: truncate, bulk: bulk)
                    round += 1
                    shared.state.withLock { $0.rounds = round }
                    try await Task.sleep(for: pause)
                }
                return round
            }
        }
    }
}
