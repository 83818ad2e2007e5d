import Logging

/// Keeps `FollowProgress.retainedBytes` current while a follow run holds its slot: the WAL the
/// slot keeps grows on the source's disk while the copy runs or the apply falls behind, and an
/// operator needs to see it before the disk fills.
struct RetainedWALMonitor: Sendable {
    let slot: String
    let source: ConnectionConfiguration
    let recorder: ProgressRecorder
    let logger: Logger

    /// A catalog read on the source: cheap, but not worth doing more often than the status is read.
    static let interval = Duration.seconds(5)

    /// Runs `body`, measuring at once and then every `interval` on a source connection of its
    /// own; stops measuring when `body` ends, whatever ends it.
    func watching<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await measure() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Measures until cancelled. A failure is not the run's: it is logged and retried on a new
    /// connection after `interval`.
    private func measure() async {
        while !Task.isCancelled {
            do {
                try await Connections.withSource(source) { connection, _ in
                    while !Task.isCancelled {
                        // nil: the slot is gone or was invalidated (its WAL removed).
                        let retained = try await ReplicationCleanup.retainedBytes(of: slot, on: connection)
                        recorder.update { $0.follow?.retainedBytes = retained }
                        try await Task.sleep(for: Self.interval)
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("follow: measuring the WAL the slot retains failed", metadata: ["slot": "\(slot)", "error": "\(error)"])
                try? await Task.sleep(for: Self.interval)
            }
        }
    }
}
