extension Migration {
    /// The run's progress as it changes, sampled every `interval`, ending with the run's last
    /// value (`complete` or `error`). Start it before or after `run()`; a stream ended early (the
    /// consumer stops iterating) stops sampling, and never the run.
    public func progressUpdates(every interval: Duration = .milliseconds(500)) -> AsyncStream<MigrationProgress> {
        AsyncStream { continuation in
            let sampler = Task {
                var last: MigrationProgress?
                while !Task.isCancelled {
                    let now = progress
                    if now != last { continuation.yield(now) }
                    // A run only ends in these; `idle` means it has not begun yet.
                    if now.status == .complete || now.status == .error { break }
                    last = now
                    try? await Task.sleep(for: interval)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in sampler.cancel() }
        }
    }
}
