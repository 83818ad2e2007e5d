import Foundation
import Logging

/// The follow loop: streams the slot from its consistent point and applies each source
/// transaction as one target transaction, in commit order, until the end position (cutover).
///
/// The target session runs with `session_replication_role = replica` (the source already fired
/// triggers and cascades; cascaded deletes arrive as their own changes) and a replication origin:
/// each commit records its source commit LSN atomically with its rows, and the slot is told
/// only what the target committed.
struct FollowApplier {
    let slot: FollowSlot
    let request: MigrationRequest
    let recorder: ProgressRecorder
    let logger: Logger
    /// True once `Migration.cutover()` asked to finish.
    let cutoverAsked: @Sendable () -> Bool

    /// How long one read waits before the loop looks at cutover and the status clock again.
    static let pollInterval = Duration.seconds(1)
    /// Changes of one source transaction held in memory before they go to the target.
    static let spillThreshold = 10_000

    /// Applies until the end position; returns the end LSN.
    func run() async throws -> LSN {
        // UTF8 on both ends: the walsender converts its text to it, the target reads it.
        let target = try await Connections.target(request.target, encoding: "UTF8")
        return try await target.closing { target in
            // Synchronous: the slot is told a commit is flushed once the target's COMMIT returns.
            try await target.execute("SET session_replication_role = replica; SET synchronous_commit = on")
            let origin = slot.name
            let exists = try await target.query(
                "SELECT pg_catalog.pg_replication_origin_oid($1) IS NOT NULL AS present", [origin]).rows[0].bool("present")
            // A fresh copy starts a fresh origin: the progress of an abandoned earlier run would skip changes.
            if exists && slot.snapshotName != nil { try await Self.run(ReplicationCommands.dropOrigin(origin), on: target) }
            if !exists || slot.snapshotName != nil { try await Self.run(ReplicationCommands.createOrigin(origin), on: target) }
            try await Self.run(ReplicationCommands.setUpOriginSession(origin), on: target)
            slot.markApplyStarted()
            let applied = try await target.query(ReplicationCommands.originProgress(origin).sql, [origin]).rows[0][0]
                .flatMap { LSN($0) } ?? .zero
            let planner = ApplyPlanner(targets: try await Self.targets(target, schemas: request.schemas))
            let end = try await follow(target: target, planner: planner, skippingThrough: applied)
            // The origin stays until the slot is gone: a cutover that fails later still resumes.
            try await target.execute("SELECT pg_catalog.pg_replication_origin_session_reset()")
            return end
        }
    }

    private func follow(target: PGConnection, planner: ApplyPlanner, skippingThrough applied: LSN) async throws -> LSN {
        let stream = try await slot.replication.startLogicalReplication(
            slot: slot.name, from: slot.consistentPoint.rawValue,
            options: [("proto_version", "1"), ("publication_names", SQL.identifierList(slot.publications))],
            stall: request.stallTimeout)
        var schedule = FollowSchedule(start: slot.consistentPoint)
        var assembler = TransactionAssembler()
        // Messages buffered of the open source transaction, and rows of it already applied.
        var buffered = 0
        var spilled: Int64?
        var lastCommitTime: ReplicationTimestamp?
        if let end = request.followUntil { try await stop(&schedule, at: end) }
        publish(schedule, state: schedule.end == nil ? .streaming : .cuttingOver, lastCommit: lastCommitTime)

        while !schedule.reachedEnd {
            try Task.checkCancellation()
            if schedule.end == nil, cutoverAsked() {
                try await stop(&schedule, at: .now)
                publish(schedule, state: .cuttingOver, lastCommit: lastCommitTime)
            }
            let bytes = try await stream.next(waitingAtMost: Self.pollInterval)
            var asked = false
            if let bytes {
                switch try ReplicationStreamMessage(decoding: bytes) {
                case .keepalive(let keepalive):
                    schedule.keepalive(walEnd: keepalive.walEnd, idle: assembler.openTransaction == nil)
                    asked = keepalive.replyRequested
                    publish(schedule, state: schedule.end == nil ? .streaming : .cuttingOver, lastCommit: lastCommitTime)
                case .xLogData(let data):
                    schedule.data(start: data.dataStart, walEnd: data.walEnd)
                    let event = try assembler.receive(try PgOutputMessage(decoding: data.payload))
                    if case .transaction(let transaction)? = event {
                        if transaction.commitLSN > applied {
                            try await apply(transaction, after: spilled, planner: planner, on: target)
                        }
                        spilled = nil
                        buffered = 0
                        schedule.applied(commit: transaction.commitLSN, end: transaction.endLSN)
                        lastCommitTime = transaction.commitTime
                        publish(schedule, state: schedule.end == nil ? .streaming : .cuttingOver, lastCommit: lastCommitTime)
                    } else if let open = assembler.openTransaction {
                        buffered += 1
                        // A large transaction goes to the target as it arrives, in one open target
                        // transaction, so memory stays bounded; it commits at its Commit only.
                        if buffered >= Self.spillThreshold {
                            let changes = assembler.takeBufferedChanges()
                            buffered = 0
                            if open.begin.finalLSN > applied {
                                if spilled == nil { try await target.execute("BEGIN") }
                                spilled = (spilled ?? 0) + (try await applyChanges(changes, of: open.begin, planner: planner, on: target))
                            }
                        }
                    }
                }
            }
            let now = ContinuousClock.now
            // While cutting over, an idle wait asks the server where its decoding stands.
            let probe = bytes == nil && schedule.end != nil
            if probe || schedule.statusDue(at: now, asked: asked) {
                try await stream.send(StandbyStatusUpdate(
                    written: schedule.received, flushed: schedule.flushed, applied: schedule.flushed,
                    clientTime: ReplicationTimestamp(unixMicroseconds: Self.unixMicroseconds()), replyRequested: probe).encoded)
                schedule.statusSent(at: now)
            }
        }
        // The flushed position reaches the slot before the stream ends (and the slot is dropped).
        try await stream.send(StandbyStatusUpdate(
            written: schedule.received, flushed: schedule.flushed, applied: schedule.flushed,
            clientTime: ReplicationTimestamp(unixMicroseconds: Self.unixMicroseconds())).encoded)
        try await stream.end()
        let end = schedule.end ?? schedule.flushed
        publish(schedule, state: .cuttingOver, lastCommit: lastCommitTime)
        logger.info("follow: reached the end position", metadata: ["end": "\(end)", "flushed": "\(schedule.flushed)"])
        return end
    }

    /// Sets the end position; `now` is the source's current WAL position, taken at this moment.
    private func stop(_ schedule: inout FollowSchedule, at end: FollowEnd) async throws {
        switch end {
        case .lsn(let lsn):
            schedule.stop(at: lsn)
        case .now:
            // A WAL record of our own marks the position: every commit that returned before it
            // lies below it (pg_current_wal_lsn() is the write position, and an asynchronous
            // commit may still be above that), and decoding passes it even on an idle source.
            let (source, _) = try await Connections.source(request.source)
            let text = try await source.closing { source in
                do {
                    return try await source.query(
                        "SELECT pg_catalog.pg_logical_emit_message(false, 'pgferry', 'cutover')::text AS lsn").rows[0].string("lsn")
                } catch let error as PGError where error.code == .server {
                    return try await source.query("SELECT pg_catalog.pg_current_wal_insert_lsn()::text AS lsn").rows[0].string("lsn")
                }
            }
            guard let lsn = LSN(text) else { throw FerryError("the source reported WAL position \"\(text)\", expected X/Y") }
            schedule.stop(at: lsn)
        }
        logger.info("follow: cutting over", metadata: ["end": "\(schedule.end.map(\.description) ?? "")"])
    }

    /// One source transaction, one target transaction, its commit LSN recorded by the origin.
    /// - Parameter spilled: rows of it already applied in the open target transaction (a large
    ///   one, applied as it arrived); nil when no target transaction is open yet.
    private func apply(_ transaction: ReplicatedTransaction, after spilled: Int64?, planner: ApplyPlanner,
                       on target: PGConnection) async throws {
        if spilled == nil { try await target.execute("BEGIN") }
        let begin = PgOutputMessage.Begin(finalLSN: transaction.commitLSN, commitTime: transaction.commitTime, xid: transaction.xid)
        let rows = try await applyChanges(transaction.changes, of: begin, planner: planner, on: target) + (spilled ?? 0)
        do {
            try await Self.run(ReplicationCommands.recordOriginProgress(of: transaction), on: target)
            try await target.execute("COMMIT")
        } catch {
            _ = try? await target.execute("ROLLBACK")
            throw error
        }
        recorder.update {
            $0.follow?.transactionsApplied += 1
            $0.follow?.rowsApplied += rows
        }
    }

    /// Applies changes inside the open target transaction; rolls it back on a failure.
    /// - Returns: the rows they changed.
    private func applyChanges(_ changes: [RowChange], of begin: PgOutputMessage.Begin, planner: ApplyPlanner,
                              on target: PGConnection) async throws -> Int64 {
        do {
            var rows: Int64 = 0
            for change in changes {
                let statement: ApplyStatement?
                do { statement = try planner.statement(for: change) } catch { throw FerryError("follow: \(error.description)") }
                guard let statement else { continue }
                let affected = try await Self.run(statement, on: target)
                if statement.expectsOneRow, affected != 1 {
                    throw FerryError("follow: the target diverged from the source: applying source transaction \(begin.xid) "
                        + "(commit \(begin.finalLSN)), `\(statement.sql)` changed \(affected ?? 0) rows instead of one; "
                        + "nothing of it was applied (was the target written to, or its schema changed?)")
                }
                rows += Int64(affected ?? 0)
            }
            return rows
        } catch {
            _ = try? await target.execute("ROLLBACK")
            throw error
        }
    }

    private func publish(_ schedule: FollowSchedule, state: FollowState, lastCommit: ReplicationTimestamp?) {
        let lagSeconds = schedule.lagBytes == 0 ? 0
            : lastCommit.map { max(0, Double(Self.unixMicroseconds() - $0.unixMicroseconds) / 1e6) }
        recorder.update {
            $0.follow?.lagSeconds = lagSeconds
            $0.follow?.state = state
            $0.follow?.receivedLSN = schedule.received.description
            $0.follow?.appliedLSN = schedule.flushed.description
            $0.follow?.flushedLSN = schedule.flushed.description
            $0.follow?.lagBytes = schedule.lagBytes
            $0.follow?.endLSN = schedule.end?.description
        }
    }

    /// Runs a statement with its text parameters; returns the rows it affected.
    @discardableResult
    static func run(_ statement: ApplyStatement, on connection: PGConnection) async throws -> Int? {
        let parameters = try statement.parameters.map { parameter -> String? in
            guard case .text(let bytes) = parameter else {
                throw FerryError("follow: a binary value reached a text-mode apply (pgferry streams protocol 1 text values only)")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return try await connection.query(statement.sql, parameters).affectedRows
    }

    /// The target's tables of `schemas`, with the column types the apply casts to; partitions
    /// apply through their root (`publish_via_partition_root`).
    static func targets(_ target: PGConnection, schemas: [String]) async throws -> [ApplyTarget] {
        let columns = try await target.query("""
            SELECT n.nspname, c.relname, c.relkind::text AS kind, a.attname, a.attgenerated <> '' AS generated,
                   pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            """, [CatalogReader.arrayLiteral(schemas)])
        var targets: [QualifiedName: ApplyTarget] = [:]
        for row in columns.rows {
            let name = QualifiedName(try row.string("nspname"), try row.string("relname"))
            let column = try row.string("attname")
            let isPartitioned = try row.string("kind") == "p"
            var table = targets[name] ?? ApplyTarget(name: name, isPartitioned: isPartitioned, columnTypes: [:])
            table.columnTypes[column] = try row.string("type")
            if try row.bool("generated") { table.generatedColumns.insert(column) }
            targets[name] = table
        }
        return Array(targets.values)
    }

    /// The status's client time (informational for the server).
    private static func unixMicroseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }
}
