import Logging
import Synchronization

/// One migration at a time, started in the background: the lifecycle a server embeds
/// (`idle → dumping/restoring → complete/error`, reset, cancel), as the HTTP API (`FerryServer`) has it.
public final class MigrationController: Sendable {
    private struct State {
        var lifecycle = RunLifecycle()
        var migration: Migration?
        var task: Task<Void, Never>?
        /// The last request, so validation can skip the tables whose data was excluded.
        var lastRequest: MigrationRequest?
        /// Runs started so far.
        var runs = 0
    }

    private let state = Mutex(State())
    private let logger: Logger

    public init(logger: Logger = Logger(label: "pgferry")) {
        self.logger = logger
    }

    /// Starts a migration and returns at once; poll `status`.
    /// - Throws: `RunLifecycle.Refusal.alreadyRunning` while one runs.
    public func start(_ request: MigrationRequest) throws(RunLifecycle.Refusal) {
        let migration = Migration(request: request, logger: logger)
        try state.withLock { (state) throws(RunLifecycle.Refusal) in
            try state.lifecycle.start()
            state.migration = migration
            state.lastRequest = request
            state.runs += 1
            state.task = Task { [self] in
                let outcome = (try? await migration.run()) != nil
                self.state.withLock { $0.lifecycle.finish(success: outcome) }
            }
        }
    }

    /// The current run's progress, or an idle one.
    public var status: MigrationProgress { numberedStatus.progress }

    /// The current run's progress with the run's number (1 for the first start, 0 before any),
    /// read together: counters summed over runs (metrics) tell one run's progress from the next's.
    public var numberedStatus: (run: Int, progress: MigrationProgress) {
        let (lifecycle, migration, run) = state.withLock { ($0.lifecycle, $0.migration, $0.runs) }
        guard lifecycle.status != .idle, var progress = migration?.progress else { return (run, MigrationProgress()) }
        // The migration settles its own status a moment before the lifecycle does.
        if lifecycle.status.isRunning && !progress.status.isRunning { progress.status = lifecycle.status }
        if !lifecycle.status.isRunning && progress.status.isRunning { progress.status = lifecycle.status }
        return (run, progress)
    }

    public var lastRequest: MigrationRequest? { state.withLock { $0.lastRequest } }

    /// Cancels the running migration, if any; it ends in `error`.
    public func cancel() {
        state.withLock { $0.migration }?.cancel()
    }

    /// Asks the running migration, if it follows the source, to cut over (`Migration.cutover()`).
    public func cutover() {
        state.withLock { $0.migration }?.cutover()
    }

    /// Back to `idle`. - Throws: `RunLifecycle.Refusal.resetWhileRunning` while a run is in progress.
    public func reset() throws(RunLifecycle.Refusal) {
        try state.withLock { (state) throws(RunLifecycle.Refusal) in
            try state.lifecycle.reset()
            state.migration = nil
            state.task = nil
        }
    }

    /// Waits for the current run to end and returns its final progress.
    public func waitUntilFinished() async -> MigrationProgress {
        await state.withLock { $0.task }?.value
        return status
    }
}
