import Synchronization

/// The run's `MigrationProgress` behind a lock, with the run's clock.
final class ProgressRecorder: Sendable {
    private let state = Mutex(MigrationProgress())
    private let started = Mutex<ContinuousClock.Instant?>(nil)
    private let phaseStarted = Mutex<(String, ContinuousClock.Instant)?>(nil)

    /// Seconds since the run started.
    var now: Double {
        guard let start = started.withLock({ $0 }) else { return 0 }
        return Self.seconds(since: start)
    }

    func begin() {
        started.withLock { $0 = .now }
        state.withLock {
            $0 = MigrationProgress()
            $0.status = .dumping
        }
    }

    func update(_ change: (inout MigrationProgress) -> Void) {
        state.withLock { change(&$0) }
    }

    func updateTable(_ table: QualifiedName, _ change: (inout TableProgress) -> Void) {
        state.withLock { $0.updateTable(table.description, change) }
    }

    /// Starts a named phase (closing the previous one) and shows it as the current step.
    func phase(_ name: String, step: String) {
        closePhase()
        phaseStarted.withLock { $0 = (name, .now) }
        update { $0.currentStep = step }
    }

    func closePhase() {
        guard let (name, start) = phaseStarted.withLock({ $0 }) else { return }
        phaseStarted.withLock { $0 = nil }
        let seconds = Self.seconds(since: start)
        update { $0.phases.append(PhaseTiming(phase: name, seconds: seconds)) }
    }

    func finish(error: (any Error)?) {
        closePhase()
        let elapsed = now
        update {
            $0.elapsedSeconds = elapsed
            if let error {
                $0.status = .error
                $0.error = "\(error)"
                $0.currentStep = "Migration failed"
                // A table whose rows had landed is not "failed": its data is on the target.
                for index in $0.tables.indices {
                    switch $0.tables[index].state {
                    case .copying: $0.tables[index].state = .failed
                    case .indexing: $0.tables[index].state = .copied
                    default: break
                    }
                }
            } else {
                $0.status = .complete
                $0.currentStep = "Migration complete"
            }
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// A copy with `elapsedSeconds` brought up to date while running.
    var snapshot: MigrationProgress {
        let elapsed = now
        return state.withLock {
            var copy = $0
            if copy.status.isRunning { copy.elapsedSeconds = elapsed }
            return copy
        }
    }
}
