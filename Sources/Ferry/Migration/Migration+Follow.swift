import FerryCore
import Logging
import PGClient
import Synchronization

/// A follow run's lifecycle around the copy: the slot kept or dropped on failure, the apply, the cutover.
extension Migration {
    /// Reports the WAL the slot retains while the copy and the apply run (not once cutover drops it).
    func monitor(_ follow: FollowSlot) -> RetainedWALMonitor {
        RetainedWALMonitor(slot: follow.name, source: request.source, recorder: recorder, logger: logger)
    }

    /// Runs `body`; when it fails, drops the slot and publication, unless the apply had begun:
    /// then they stay, and the same request resumes from the target's origin.
    func following<T>(_ follow: FollowSlot, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            if follow.isResumable {
                await follow.replication.close()
                let failure: any Error = Task.isCancelled ? FerryError.cancelled : error
                throw FerryError("\(failure); the slot \(follow.name) and its publication are kept on the source (they retain "
                    + "WAL): run the same command again to resume, or `pgferry cleanup --source … --target …` to drop them")
            }
            // In a task of its own: a cancelled run still drops what it created.
            let dropped = await Task { try await follow.drop() }.result
            if case .failure(let failure) = dropped {
                logger.error("follow: dropping the slot failed", metadata: ["error": "\(failure)"])
            }
            throw error
        }
    }

    /// Follow mode after post-data: applies until the end position; returns it.
    func apply(_ follow: FollowSlot) async throws -> LSN {
        recorder.phase("follow", step: "Applying the source's changes from \(follow.consistentPoint)")
        return try await FollowApplier(slot: follow, request: request, recorder: recorder, logger: logger,
                                       cutoverAsked: { self.cutoverAsked.withLock { $0 != nil } }).run()
    }

    /// Once everything up to `end` is applied: sequences, the materialized views, the compare,
    /// cleanup, each part of the cutover window timed (from the request; from here when the run
    /// was given its end).
    func cutOver(_ follow: FollowSlot, at end: LSN, plan: MigrationPlan) async throws {
        recorder.phase("cutover", step: "Cutting over at \(end)")
        var window = CutoverClock(since: cutoverAsked.withLock { $0 })
        try await window.time("columns compared") { try await FollowCutover.compareColumns(request) }
        let sequences = try await window.time("sequences set") { try await FollowCutover.copySequences(request) }
        if request.refreshMaterializedViews {
            try await window.time("materialized views refreshed") {
                try await FollowCutover.refreshMaterializedViews(request, plan.ddl.refresh, recorder: recorder, logger: logger)
            }
        }
        _ = try await window.time("rows compared") { try await FollowCutover.compareTables(request) }
        try await window.time("slot dropped") { try await follow.drop() }
        try await window.time("origin dropped") { try await FollowCutover.dropOrigin(request, follow.name) }
        recorder.update {
            $0.follow?.state = .done
            $0.follow?.endLSN = end.description
            $0.follow?.retainedBytes = 0
            $0.follow?.cutover = window.window
        }
        logger.info("follow: cut over", metadata: ["end": "\(end)", "sequences": "\(sequences)", "window": "\(window.window)"])
    }
}
