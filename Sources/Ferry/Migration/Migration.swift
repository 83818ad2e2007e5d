import Logging
import Synchronization

/// One migration run: snapshot and catalog on the source, pre-data on the target, table pipes,
/// post-data. Create it, call `run()`, read `progress` from anywhere while it runs.
public final class Migration: Sendable {
    public let request: MigrationRequest
    private let logger: Logger
    private let recorder = ProgressRecorder()
    /// The running task, and whether cancel came before there was one.
    private let runTask = Mutex<(task: Task<MigrationReport, any Error>?, cancelled: Bool)>((nil, false))
    /// Set by `cutover()`, when first asked: a follow run finishes at the source's WAL position
    /// of that moment.
    private let cutoverAsked = Mutex<ContinuousClock.Instant?>(nil)

    public init(request: MigrationRequest, logger: Logger = Logger(label: "pgferry")) {
        self.request = request
        self.logger = logger
    }

    /// A copy of the run's progress: status, current step, per-table counters.
    public var progress: MigrationProgress { recorder.snapshot }

    /// Stops the run: every open connection gets a cancel request and the run ends in `error`.
    public func cancel() {
        runTask.withLock {
            $0.cancelled = true
            $0.task?.cancel()
        }
    }

    /// Asks a follow run (`MigrationRequest.follow`) to cut over: apply everything the source
    /// committed up to its current WAL position, set the sequences, compare row counts (and
    /// checksums with `cutoverChecksums`), drop the slot and publication, and end. Asked before
    /// follow starts, it cuts over as soon as it does.
    public func cutover() {
        cutoverAsked.withLock { $0 = $0 ?? .now }
    }

    /// Runs the migration to the end.
    /// - Throws: `FerryError` (or a cancellation) after recording it in `progress`.
    @discardableResult
    public func run() async throws -> MigrationReport {
        let task = Task { try await self.execute() }
        runTask.withLock {
            $0.task = task
            if $0.cancelled { task.cancel() }
        }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    private func execute() async throws -> MigrationReport {
        recorder.begin()
        do {
            let report = try await migrate()
            recorder.finish(error: nil)
            return MigrationReport(progress: recorder.snapshot, plan: report)
        } catch {
            let failure: any Error = Task.isCancelled ? FerryError.cancelled : error
            logger.error("migration failed", metadata: ["error": "\(failure)"])
            recorder.finish(error: failure)
            throw failure
        }
    }

    /// Every connection lives in a scope that closes it, awaited, whatever ends the scope: when
    /// `run()` reports an error, the snapshot and every session are already released.
    private func migrate() async throws -> MigrationPlan {
        recorder.phase("snapshot", step: "Reading the source catalog")
        guard request.follow else { return try await migrate(follow: nil) }
        if let resumed = try await FollowSlot.resume(request, logger: logger) {
            recorder.update {
                $0.follow = FollowProgress(state: .streaming, slot: resumed.name, consistentPoint: resumed.consistentPoint)
                $0.status = .restoring
            }
            let plan = try await plan()
            try await following(resumed) {
                let end = try await monitor(resumed).watching { try await apply(resumed) }
                try await cutOver(resumed, at: end, plan: plan)
            }
            return plan
        }
        let follow = try await FollowSlot.create(request, logger: logger)
        recorder.update { $0.follow = FollowProgress(state: .copying, slot: follow.name, consistentPoint: follow.consistentPoint) }
        return try await following(follow) {
            let (plan, end) = try await monitor(follow).watching {
                let plan = try await migrate(follow: follow)
                return (plan, try await apply(follow))
            }
            try await cutOver(follow, at: end, plan: plan)
            return plan
        }
    }

    /// Reports the WAL the slot retains while the copy and the apply run (not once cutover drops it).
    private func monitor(_ follow: FollowSlot) -> RetainedWALMonitor {
        RetainedWALMonitor(slot: follow.name, source: request.source, recorder: recorder, logger: logger)
    }

    /// Runs `body`; when it fails, drops the slot and publication, unless the apply had begun:
    /// then they stay, and the same request resumes from the target's origin.
    private func following<T>(_ follow: FollowSlot, _ body: () async throws -> T) async throws -> T {
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

    private func migrate(follow: FollowSlot?) async throws -> MigrationPlan {
        let snapshot = try await SourceSnapshot.open(request.source, schemas: request.schemas,
                                                     includeOwnership: request.includeOwnership,
                                                     importing: follow?.snapshotName)
        return try await snapshot.closing { snapshot in
            let target = try await Connections.target(request.target, encoding: snapshot.encoding)
            return try await target.closing { target in
                try await migrate(snapshot: snapshot, target: target, originalIdentities: follow?.originalIdentities ?? [:])
            }
        }
    }

    /// Follow mode after post-data: applies until the end position; returns it.
    private func apply(_ follow: FollowSlot) async throws -> LSN {
        recorder.phase("follow", step: "Applying the source's changes from \(follow.consistentPoint)")
        return try await FollowApplier(slot: follow, request: request, recorder: recorder, logger: logger,
                                       cutoverAsked: { self.cutoverAsked.withLock { $0 != nil } }).run()
    }

    /// Once everything up to `end` is applied: sequences, the materialized views, the compare,
    /// cleanup, each part of the cutover window timed (from the request; from here when the run
    /// was given its end).
    private func cutOver(_ follow: FollowSlot, at end: LSN, plan: MigrationPlan) async throws {
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

    private func migrate(snapshot: SourceSnapshot, target: PGConnection,
                         originalIdentities: [QualifiedName: String]) async throws -> MigrationPlan {
        let request = request
        try DatabaseIdentity.requireDistinct(target: await Connections.databaseIdentity(target), source: snapshot.identity)

        let plan = try MigrationPlan(catalog: snapshot.catalog.replacingReplicaIdentities(originalIdentities),
                                     options: request.planOptions(targetServerVersion: target.serverVersion))
        for note in plan.notes { logger.warning("\(note)") }
        if !plan.blockedObjects.isEmpty { throw FerryError.blocked(plan.blockedObjects) }
        try await TargetCheck(target: target, plan: plan).run()
        let statistics = try await TargetStatistics.prepare(
            request.statistics ?? .preferred(targetVersion: target.serverVersion), plan: plan, catalog: snapshot.catalog,
            snapshot: snapshot, targetVersion: target.serverVersion)
        // The source side of the end-of-run compare, read in the snapshot the run copies.
        let sourceInventory = request.compareAfterwards
            ? try await SchemaCompare.inventory(snapshot.holder, schemas: request.schemas, includeOwnership: request.includeOwnership,
                                                side: .source, inSnapshot: true).replacingReplicaIdentities(originalIdentities)
            : nil
        recorder.update { progress in
            progress.hazards = plan.notes
            progress.tables = plan.tables.map {
                TableProgress(table: $0.table.description, state: $0.copiesData ? .pending : .skipped, format: $0.format,
                              sourceBytes: $0.bytes)
            }
            progress.status = .restoring
        }

        recorder.phase("pre-data", step: "Creating schema \(request.schemas.joined(separator: ", ")) on the target")
        try await target.execute("BEGIN")
        try await DropGuard(target: target, schemas: plan.schemas, request: request, logger: logger).dropSchemas()
        try await Self.run(plan.ddl.preData, on: target)
        try await target.execute("COMMIT")

        recorder.phase("data", step: "Copying \(plan.copiedTables.count) tables, \(request.jobs) at a time")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.copyTables(plan, statistics: statistics, snapshot: snapshot) }
            if plan.copiesLargeObjects {
                group.addTask { try await self.copyLargeObjects(plan, snapshot: snapshot) }
            }
            try await Self.failFast(&group)
        }
        // Every row has left the source: release its snapshot and locks before post-data.
        await snapshot.close()

        recorder.phase("post-data", step: "Creating foreign keys, triggers and the rest")
        try await Self.run(plan.ddl.sequenceValues + plan.ddl.postData, on: target)
        for table in snapshot.catalog.tables where !table.holdsData {
            try await statistics.apply(to: table.name, on: target, logger: logger)
        }
        try await createForeignKeys(plan.ddl.foreignKeys, first: target, encoding: snapshot.encoding)
        try await Self.run(plan.ddl.privileges + plan.ddl.refresh, on: target)
        if let sourceInventory {
            recorder.phase("compare", step: "Comparing schema \(request.schemas.joined(separator: ", ")), source against target")
            try await compare(sourceInventory, target: target, plan: plan)
        }
        return plan
    }

    /// Runs the data phase's jobs (`DataPhaseSchedule`) on `jobs` workers. Each worker owns one
    /// source connection in the exported snapshot and one target connection, and takes whatever
    /// job is ready: a table's copy, one of its index builds, or its keys and ANALYZE. The first
    /// failure cancels every other worker at once.
    private func copyTables(_ plan: MigrationPlan, statistics: TargetStatistics, snapshot: SourceSnapshot) async throws {
        let board = JobBoard(DataPhaseSchedule(copyTasks: plan.copyTasks, indexing: plan.ddl.tablePostData))
        let workers = max(1, min(request.jobs, plan.copyTasks.count))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    do {
                        try await snapshot.withWorker { source in
                            let target = try await Connections.target(self.request.target, encoding: snapshot.encoding)
                            try await target.closing { target in
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
    private func copyLargeObjects(_ plan: MigrationPlan, snapshot: SourceSnapshot) async throws {
        try await snapshot.withWorker { source in
            let target = try await Connections.target(request.target, encoding: snapshot.encoding)
            try await target.closing { target in
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

    /// Foreign keys validate by scanning their tables, so they run `jobs` at a time. Two keys
    /// that lock the same pair of tables in opposite order can deadlock; the loser retries.
    private func createForeignKeys(_ groups: [[DDLStatement]], first: PGConnection, encoding: String) async throws {
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
                    let target = try await Connections.target(self.request.target, encoding: encoding)
                    try await target.closing { try await createKeys(on: $0) }
                }
            }
            try await Self.failFast(&group)
        }
    }

    private func run(_ job: DataPhaseSchedule.Job, plan: MigrationPlan, statistics: TargetStatistics,
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
        }
    }

    /// Fails the run on a difference the plan did not announce: objects it does not recreate
    /// (and what belongs to them) may be missing, foreign keys it adds `NOT VALID` may differ.
    private func compare(_ sourceInventory: SchemaInventory, target: PGConnection, plan: MigrationPlan) async throws {
        let targetInventory = try await SchemaCompare.inventory(target, schemas: request.schemas,
                                                                includeOwnership: request.includeOwnership, side: .target)
        let announced = Set(plan.notMigrated + plan.hazards.filter { $0.resolution == .notValid }.map {
            InventoryKey(kind: "table constraint", identity: SQL.identifier($0.constraint.name) + " on " + $0.constraint.table.sql).description
        })
        let comparison = try await SchemaCompare.comparison(source: sourceInventory, target: targetInventory, on: target)
            .excluding(announced, source: sourceInventory, target: targetInventory)
        recorder.update { $0.comparison = comparison }
        for note in comparison.notes { logger.notice("compare: \(note)") }
        guard comparison.isEqual else {
            throw FerryError("the target's schema differs from the source's after the migration "
                + "(\(comparison.differenceCount) unannounced: \(comparison.summary())); "
                + "`pgferry compare` shows the details; --no-compare (API: \"compare\": false) skips this check")
        }
    }

    static func run(_ statements: [DDLStatement], on target: PGConnection) async throws {
        for statement in statements {
            try Task.checkCancellation()
            do {
                try await target.execute(statement.sql)
            } catch {
                throw FerryError.statement(statement, error)
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

extension Migration {
    /// What `run()` would do, read in the source snapshot; writes nothing anywhere. The target,
    /// if reachable, only decides the COPY format (binary needs equal major versions).
    public func plan() async throws -> MigrationPlan {
        let snapshot = try await SourceSnapshot.open(request.source, schemas: request.schemas,
                                                     includeOwnership: request.includeOwnership)
        return try await snapshot.closing { snapshot in
            var targetVersion = snapshot.catalog.serverVersion
            if let target = try? await PGConnection.connect(request.target) {
                targetVersion = target.serverVersion
                await target.close()
            }
            return try MigrationPlan(catalog: snapshot.catalog, options: request.planOptions(targetServerVersion: targetVersion))
        }
    }
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
