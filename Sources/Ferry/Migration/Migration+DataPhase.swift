import FerryCore
import Logging
import PGClient
import Synchronization

/// The data phase: workers that copy tables, build their indexes and keys, and the large objects.
extension Migration {
    /// Runs the data phase's jobs (`DataPhaseSchedule`) on `jobs` workers. Each worker owns one
    /// source connection in the exported snapshot and one target connection, and takes whatever
    /// job is ready: a table's copy, one of its index builds, or its keys and ANALYZE. The first
    /// failure cancels every other worker at once.
    /// - Parameter lockTable: the target's, which every group open at once must fit in.
    func copyTables(_ plan: MigrationPlan, statistics: TargetStatistics, snapshot: SourceSnapshot,
                    lockTable: LockTableBudget) async throws {
        let workers = max(1, min(request.jobs, plan.copyTasks.count))
        let board = JobBoard(DataPhaseSchedule(copyTasks: plan.copyTasks, indexing: plan.ddl.tablePostData,
                                               smallTables: plan.smallTables.fitting(lockTable, jobs: workers)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    do {
                        try await snapshot.withWorker { source in
                            try await Connections.withTarget(self.request.target, encoding: snapshot.encoding) { target in
                                while let job = await board.next() {
                                    try Task.checkCancellation()
                                    try await self.run(job, plan: plan, statistics: statistics, source: source, target: target,
                                                       board: board)
                                }
                            }
                        }
                    } catch {
                        await board.abandon()  // workers waiting for a job stop too
                        throw error
                    }
                }
            }
            try await Self.failFast(&group)
        }
    }

    /// Large objects, on a source worker and target connection of their own, beside the tables.
    func copyLargeObjects(_ plan: MigrationPlan, snapshot: SourceSnapshot) async throws {
        try await snapshot.withWorker { source in
            try await Connections.withTarget(request.target, encoding: snapshot.encoding) { target in
                let total = plan.largeObjects.count
                let copied = try await LargeObjectCopy(source: source, target: target,
                                                       includeOwnership: request.includeOwnership).run { count, bytes in
                    self.recorder.update { $0.largeObjects = LargeObjectProgress(total: total, copied: count, bytes: bytes) }
                }
                logger.debug("large objects copied", metadata: ["count": "\(copied)"])
            }
        }
    }

    /// Waits for a group's tasks; the first error cancels the rest at once (`waitForAll` would
    /// let them run to their end before reporting it).
    static func failFast(_ group: inout ThrowingTaskGroup<Void, any Error>) async throws {
        for try await _ in group {}
    }

    /// Foreign keys validate by scanning their tables, so they run `jobs` at a time, each in a
    /// transaction of its own: a batch of keys in one transaction holds its tables' locks to the
    /// end and deadlocks with the other workers' (Lago: a deadlock a second, each found only
    /// after `deadlock_timeout`). Two keys that lock the same pair of tables in opposite order
    /// can still deadlock; the loser retries.
    func createForeignKeys(_ groups: [[DDLStatement]], first: PGConnection, encoding: String) async throws {
        let queue = WorkQueue(groups)
        let workers = max(1, min(request.jobs, groups.count))
        @Sendable func createKeys(on target: PGConnection) async throws {
            while let statements = queue.next() {
                for attempt in 1... {
                    do {
                        try await Self.run(statements, on: target)
                        break
                    } catch let error as FerryError where error.isDeadlock && attempt < 5 {
                        self.logger.info("foreign key deadlock, retrying", metadata: ["attempt": "\(attempt)"])
                    }
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    if worker == 0 { return try await createKeys(on: first) }
                    try await Connections.withTarget(self.request.target, encoding: encoding) { try await createKeys(on: $0) }
                }
            }
            try await Self.failFast(&group)
        }
    }

    func run(_ job: DataPhaseSchedule.Job, plan: MigrationPlan, statistics: TargetStatistics,
                     source: PGConnection, target: PGConnection, board: JobBoard) async throws {
        switch job {
        case .copy(let task):
            let table = task.table
            if task.copiesData {
                let start = recorder.now
                recorder.updateTable(table) {
                    $0.state = .copying
                    if $0.copyStartedAt == nil { $0.copyStartedAt = start }
                }
                let pipe = TablePipe(task: task, source: source, target: target, chunkSize: request.chunkSize,
                                     ringCapacity: request.ringCapacity, stallTimeout: request.stallTimeout, progress: recorder)
                let rows = try await pipe.run()
                logger.debug("table copied", metadata: ["table": "\(table)", "rows": "\(rows)"])
            }
            await board.finished(job) { landed in
                // Before its index builds are handed out, so a fast finish cannot be overwritten.
                guard landed else { return }
                let now = self.recorder.now
                self.recorder.updateTable(table) {
                    $0.copyFinishedAt = now
                    if task.copiesData { $0.state = .indexing }
                }
            }
        case .buildIndex(_, let statements):
            try await Self.run(statements, on: target)
            await board.finished(job)
        case .finish(let table):
            try await Self.run(plan.ddl.tablePostData[table]?.then ?? [], on: target)
            try await statistics.apply(to: table, on: target, logger: logger)
            let done = recorder.now
            recorder.updateTable(table) {
                $0.indexesFinishedAt = done
                if $0.state != .skipped { $0.state = .done }
            }
            await board.finished(job)
        case .copyGroup(let tasks):
            try await copyGroup(tasks, plan: plan, statistics: statistics, source: source, target: target)
            await board.finished(job)
        }
    }

    /// Small tables one after another, each copied, indexed, keyed and analyzed, all in one
    /// target transaction: one commit for the group instead of several per table. The group
    /// first creates those of its tables that pre-data left to it, in one round trip.
    func copyGroup(_ tasks: [TableTask], plan: MigrationPlan, statistics: TargetStatistics,
                   source: PGConnection, target: PGConnection) async throws {
        do {
            try await target.execute("BEGIN")
        } catch {
            throw FerryError.table(tasks[0].table, .target, error)
        }
        try await Self.runPipelined(tasks.flatMap { plan.ddl.tableCreation[$0.table] ?? [] }, on: target)
        for task in tasks {
            let start = recorder.now
            recorder.updateTable(task.table) {
                $0.state = .copying
                $0.copyStartedAt = start
            }
            let pipe = TablePipe(task: task, source: source, target: target, chunkSize: request.chunkSize,
                                 ringCapacity: request.ringCapacity, stallTimeout: request.stallTimeout, progress: recorder,
                                 ownsTransaction: false)
            let rows = try await pipe.run()
            logger.debug("table copied", metadata: ["table": "\(task.table)", "rows": "\(rows)"])
            let copied = recorder.now
            recorder.updateTable(task.table) {
                $0.copyFinishedAt = copied
                $0.state = .indexing
            }
        }
        // Every table's indexes, keys and ANALYZE in one round trip.
        try await Self.runPipelined(tasks.flatMap { task in
            (plan.ddl.tablePostData[task.table]?.statements ?? []) + [statistics.analyzeStatement(for: task.table)].compactMap { $0 }
        }, on: target)
        for task in tasks where statistics.analyzeStatement(for: task.table) == nil {
            try await statistics.apply(to: task.table, on: target, logger: logger)
        }
        do {
            try await target.execute("COMMIT")
        } catch {
            throw FerryError.table(tasks[0].table, .target, error)
        }
        let done = recorder.now
        for task in tasks {
            recorder.updateTable(task.table) {
                $0.indexesFinishedAt = done
                $0.state = .done
            }
        }
    }
}

/// Tasks handed out to workers in order, each once.
final class WorkQueue<Item: Sendable>: Sendable {
    private let items: Mutex<ArraySlice<Item>>
    init(_ items: [Item]) { self.items = Mutex(items[...]) }
    func next() -> Item? { items.withLock { $0.popFirst() } }
}

/// Hands the schedule's jobs to workers. A worker with nothing ready waits until a running job
/// makes more ready, or until the phase is over or abandoned after an error.
actor JobBoard {
    private var schedule: DataPhaseSchedule
    private var waiting: [CheckedContinuation<DataPhaseSchedule.Job?, Never>] = []
    private var abandoned = false

    init(_ schedule: DataPhaseSchedule) { self.schedule = schedule }

    /// The next job, or nil when there is none left to run.
    func next() async -> DataPhaseSchedule.Job? {
        if abandoned || schedule.isComplete { return nil }
        if let job = schedule.next() { return job }
        return await withCheckedContinuation { waiting.append($0) }
    }

    /// Records that `job` succeeded; `then` learns whether it landed its table's last data and
    /// runs before any follow-up job is handed out.
    func finished(_ job: DataPhaseSchedule.Job, then: (_ landed: Bool) -> Void = { _ in }) {
        then(schedule.finished(job))
        wake()
    }

    func abandon() {
        abandoned = true
        wake()
    }

    private func wake() {
        while !waiting.isEmpty {
            if abandoned || schedule.isComplete {
                waiting.removeFirst().resume(returning: nil)
            } else if let job = schedule.next() {
                waiting.removeFirst().resume(returning: job)
            } else {
                return
            }
        }
    }
}
