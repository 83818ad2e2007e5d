import Logging
import Synchronization

/// One migration run: snapshot and catalog on the source, pre-data on the target, table pipes,
/// post-data. Create it, call `run()`, read `progress` from anywhere while it runs.
public final class Migration: Sendable {
    public let request: MigrationRequest
    let logger: Logger
    let recorder = ProgressRecorder()
    /// The running task, and whether cancel came before there was one.
    let runTask = Mutex<(task: Task<MigrationReport, any Error>?, cancelled: Bool)>((nil, false))
    /// Set by `cutover()`, when first asked: a follow run finishes at the source's WAL position
    /// of that moment.
    let cutoverAsked = Mutex<ContinuousClock.Instant?>(nil)

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

    private func migrate(follow: FollowSlot?) async throws -> MigrationPlan {
        try await SourceSnapshot.with(request.source, schemas: request.schemas, includeOwnership: request.includeOwnership,
                                      wholeDatabase: request.wholeDatabase, importing: follow?.snapshotName) { snapshot in
            try await Connections.withTarget(request.target, encoding: snapshot.encoding) { target in
                try await migrate(snapshot: snapshot, target: target, originalIdentities: follow?.originalIdentities ?? [:])
            }
        }
    }

    private func migrate(snapshot: SourceSnapshot, target: PGConnection,
                         originalIdentities: [QualifiedName: String]) async throws -> MigrationPlan {
        let request = request
        try DatabaseIdentity.requireDistinct(target: await Connections.databaseIdentity(target), source: snapshot.identity)

        logHeap("catalog read")
        let plan = try MigrationPlan(catalog: snapshot.catalog.replacingReplicaIdentities(originalIdentities),
                                     options: request.planOptions(targetServerVersion: target.serverVersion))
        logHeap("plan made")
        for note in plan.notes { logger.warning("\(note)") }
        if !plan.blockedObjects.isEmpty { throw FerryError.blocked(plan.blockedObjects) }
        let created = try await PrerequisiteCreation(source: snapshot.holder, target: target, plan: plan, request: request).run()
            + Self.targetOnlySchemas(plan, on: target)
        for note in created { logger.notice("\(note)") }
        let lockTable = try await TargetCheck(target: target, plan: plan).run()
        let statistics = try await TargetStatistics.prepare(
            request.statistics ?? .preferred(targetVersion: target.serverVersion), plan: plan, catalog: snapshot.catalog,
            snapshot: snapshot, targetVersion: target.serverVersion)
        // Of the catalog, post-data needs only the tables without data.
        let tablesWithoutData = snapshot.catalog.tables.filter { !$0.holdsData }.map(\.name)
        snapshot.releaseCatalog()
        logHeap("catalog released")
        // The source side of the end-of-run compare, read in the snapshot the run copies, held
        // packed until then. On the holder, which holds every table's ACCESS SHARE lock: on a
        // second connection, beside the catalog read, a lock it asked for would queue behind a
        // waiting TRUNCATE that waits for the holder, a deadlock no server detects (seen).
        let replicaIdentities = Dictionary(uniqueKeysWithValues: originalIdentities.map { ($0.key.sql, $0.value) })
        let sourceInventory = request.compareAfterwards
            ? try await SchemaCompare.inventory(snapshot.holder, schemas: request.schemas, includeOwnership: request.includeOwnership,
                                                wholeDatabase: request.wholeDatabase, side: .source, inSnapshot: true) {
                $0.replacingReplicaIdentity(replicaIdentities)
            }
            : nil
        logHeap("source inventory packed")
        // The catalog's and the inventory's raw results are dropped by now; glibc would keep them.
        ProcessHeap.releaseFreedMemory()
        recorder.update { progress in
            progress.hazards = plan.notes + created
            progress.tables = plan.tables.map {
                TableProgress(table: $0.table.description, state: $0.copiesData ? .pending : .skipped, format: $0.format,
                              sourceBytes: $0.bytes)
            }
            progress.status = .restoring
        }

        recorder.phase("pre-data", step: "Creating schema \(request.schemas.joined(separator: ", ")) on the target")
        try await target.execute("BEGIN")
        try await Self.runPipelined(plan.ddl.database.cleanup, on: target)
        try await DropGuard(target: target, schemas: plan.schemas, request: request, logger: logger).dropSchemas()
        try await Self.runPipelined(plan.ddl.preData, on: target)
        try await target.execute("COMMIT")
        logHeap("pre-data sent")
        if let configurations = plan.database?.extensionConfigurations, !configurations.isEmpty {
            try await snapshot.withWorker { source in
                try await ExtensionConfigurationCopy(source: source, target: target, chunkSize: request.chunkSize,
                                                     ringCapacity: request.ringCapacity, stallTimeout: request.stallTimeout)
                    .run(configurations)
            }
        }

        recorder.phase("data", step: "Copying \(plan.copiedTables.count) tables, \(request.jobs) at a time")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.copyTables(plan, statistics: statistics, snapshot: snapshot, lockTable: lockTable) }
            if plan.copiesLargeObjects {
                group.addTask { try await self.copyLargeObjects(plan, snapshot: snapshot) }
            }
            try await Self.failFast(&group)
        }
        logHeap("data copied")
        // Every row has left the source: release its snapshot and locks before post-data.
        await snapshot.close()

        recorder.phase("post-data", step: "Creating foreign keys, triggers and the rest")
        try await Self.runPipelined(plan.ddl.sequenceValues + plan.ddl.postData, on: target)
        for table in tablesWithoutData {
            try await statistics.apply(to: table, on: target, logger: logger)
        }
        try await createForeignKeys(plan.ddl.foreignKeys, first: target, encoding: snapshot.encoding)
        try await Self.runPipelined(plan.ddl.privileges, on: target)
        try await Self.run(plan.ddl.refresh, on: target)
        let rolesLeftOut = try await finishDatabase(plan, on: target)
        let leftOut = rolesLeftOut.map {
            "the settings of role \(SQL.display($0)) in the database are left out: the target has no such role (--roles creates it)"
        }
        for note in leftOut { logger.notice("\(note)") }
        if !leftOut.isEmpty { recorder.update { $0.hazards += leftOut } }
        if let sourceInventory {
            recorder.phase("compare", step: "Comparing schema \(request.schemas.joined(separator: ", ")), source against target")
            try await compare(sourceInventory, target: target, plan: plan,
                              announcing: rolesLeftOut.map(DatabaseWide.roleSettingsDescription))
        }
        return plan
    }

    /// Fails the run on a difference the plan did not announce: objects it does not recreate
    /// (and what belongs to them) may be missing, foreign keys it adds `NOT VALID` may differ.
    /// - Parameter leftOut: what the run's notes name as not recreated.
    private func compare(_ packedSource: PackedInventory, target: PGConnection, plan: MigrationPlan,
                         announcing leftOut: [String]) async throws {
        ProcessHeap.releaseFreedMemory()  // what the data phase freed, before the target's inventory
        let targetInventory = try await SchemaCompare.inventory(target, schemas: request.schemas,
                                                                includeOwnership: request.includeOwnership,
                                                                wholeDatabase: request.wholeDatabase, side: .target)
        logHeap("target inventory read")
        let announced = Set(plan.notMigrated + leftOut + plan.hazards.filter { $0.resolution == .notValid }.map {
            InventoryKey(kind: "table constraint", identity: SQL.identifier($0.constraint.name) + " on " + $0.constraint.table.sql).description
        })
        let comparison = try await SchemaCompare.comparison(source: packedSource, target: targetInventory, on: target,
                                                            excluding: announced)
        logHeap("compared")
        recorder.update { $0.comparison = comparison }
        for note in comparison.notes { logger.notice("compare: \(note)") }
        guard comparison.isEqual else {
            throw FerryError("the target's schema differs from the source's after the migration "
                + "(\(comparison.differenceCount) unannounced: \(comparison.summary())); "
                + "`pgferry compare` shows the details; --no-compare (API: \"compare\": false) skips this check")
        }
    }

    /// What the process holds from malloc at `point` (debug log): where memory goes at thousands of objects.
    func logHeap(_ point: String) {
        guard let bytes = ProcessHeap.bytesInUse else { return }
        logger.debug("heap in use", metadata: ["at": "\(point)", "KiB": "\(bytes >> 10)"])
    }

    /// Runs `statements` `batch` to a round trip (pipelined), in the caller's transaction block:
    /// without one, a batch would share an implicit transaction. A failure names its statement.
    static func runPipelined(_ statements: [DDLStatement], on target: PGConnection, batch: Int = 250) async throws {
        for start in stride(from: 0, to: statements.count, by: batch) {
            try Task.checkCancellation()
            let chunk = statements[start..<min(start + batch, statements.count)]
            do {
                _ = try await target.pipeline(chunk.map { PipelinedStatement(sql: $0.sql) })
            } catch let error as PGError where error.statementIndex != nil {
                throw FerryError.statement(chunk[start + error.statementIndex!], error)
            } catch {
                throw FerryError("creating \(chunk.first!.object) … \(chunk.last!.object) on the target failed: \(error)",
                                 sqlState: (error as? PGError)?.sqlState)
            }
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

extension Migration {
    /// What `run()` would do, read in the source snapshot; writes nothing anywhere. The target,
    /// if reachable, decides the COPY format (binary needs equal major versions) and, with
    /// `roles` or `createPrerequisites`, which roles and extensions it lacks.
    public func plan() async throws -> MigrationPlan {
        try await SourceSnapshot.with(request.source, schemas: request.schemas, includeOwnership: request.includeOwnership,
                                      wholeDatabase: request.wholeDatabase) { snapshot in
            let request = request
            var reached = false
            do {
                return try await PGConnection.withConnection(request.target) { target in
                    reached = true
                    var plan = try MigrationPlan(catalog: snapshot.catalog,
                                                 options: request.planOptions(targetServerVersion: target.serverVersion))
                    plan.preparations = try await PrerequisiteCreation(source: snapshot.holder, target: target, plan: plan,
                                                                       request: request, apply: false).run()
                        + Self.targetOnlySchemas(plan, on: target)
                    return plan
                }
            } catch {
                if reached { throw error }
                return try MigrationPlan(catalog: snapshot.catalog,
                                         options: request.planOptions(targetServerVersion: snapshot.catalog.serverVersion))
            }
        }
    }
}
