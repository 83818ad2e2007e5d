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

    /// How long one read waits before the loop looks at cutover and the status clock again: on
    /// an idle stream, a cutover request waits up to this long to be noticed (part of the window).
    static let pollInterval = Duration.milliseconds(100)
    /// Changes of one source transaction held in memory before they go to the target: its
    /// parts are applied while the next ones arrive, so the target starts early and the stream's
    /// decoding and the target's writes overlap.
    static let spillThreshold = 2_000

    /// Applies until the end position; returns the end LSN.
    func run() async throws -> LSN {
        // UTF8 on both ends: the walsender converts its text to it, the target reads it.
        return try await Connections.withTarget(request.target, encoding: "UTF8") { target in
            // Synchronous: the slot is told a commit is flushed once the target's COMMIT returns.
            // Statements are prepared once and, after a few runs, keep a generic plan; with
            // sequential scans ruled out while an index can find the row, a plan made while a
            // table was small never keeps scanning it whole as it grows (a table without a key,
            // REPLICA IDENTITY FULL, is still scanned: it has nothing else). The session's empty
            // search_path and row_security = off (SessionSettings) are the apply worker's too.
            try await target.execute(
                "SET session_replication_role = replica; SET synchronous_commit = on; SET enable_seqscan = off")
            let origin = slot.name
            // A fresh copy starts a fresh origin: the progress of an abandoned earlier run would skip changes.
            let fresh = slot.snapshotName != nil
            if fresh { try await ReplicationCleanup.dropOrigin(origin, on: target) }
            let exists = fresh ? false : try await target.query(
                "SELECT pg_catalog.pg_replication_origin_oid(\(origin)) IS NOT NULL AS present").rows[0].bool("present")
            if !exists { try await Self.run(ReplicationCommands.createOrigin(origin), on: target) }
            _ = try await Self.whileHeldByAnEndingSession("the target's replication origin \(origin)") {
                try await Self.run(ReplicationCommands.setUpOriginSession(origin), on: target)
            }
            slot.markApplyStarted()
            let applied = try await target.pipeline([ReplicationCommands.originProgress(origin).pipelined(prepared: false)])[0]
                .rows[0][0].flatMap { LSN($0) } ?? .zero
            let (targets, builtinTypes) = try await Self.targets(target, schemas: request.schemas)
            // Binary values skip the source's output and the target's input functions; they need
            // the same major version and only built-in types (no database-specific OIDs), as binary COPY.
            let binary = request.format != .text && builtinTypes && slot.replication.serverVersion >= 140_000
                && slot.replication.serverVersion / 10_000 == target.serverVersion / 10_000
            logger.info("follow: applying", metadata: ["values": "\(binary ? "binary" : "text")"])
            let end = try await follow(target: target, planner: ApplyPlanner(targets: targets), binary: binary, skippingThrough: applied)
            // The origin stays until the slot is gone: a cutover that fails later still resumes.
            try await target.execute("SELECT pg_catalog.pg_replication_origin_session_reset()")
            return end
        }
    }

    private func follow(target: PGConnection, planner: ApplyPlanner, binary: Bool, skippingThrough applied: LSN) async throws -> LSN {
        var options = [("proto_version", "1"), ("publication_names", SQL.identifierList(slot.publications))]
        if binary { options.append(("binary", "true")) }
        let stream = try await Self.whileHeldByAnEndingSession("the source's replication slot \(slot.name)") {
            try await slot.replication.startLogicalReplication(
                slot: slot.name, from: slot.consistentPoint.rawValue, options: options, stall: request.stallTimeout)
        }
        var loop = FollowLoop(applier: self, target: target, stream: stream, planner: planner, applied: applied,
                              schedule: FollowSchedule(start: slot.consistentPoint))
        if let end = request.followUntil { try await stop(&loop.schedule, at: end) }
        publish(loop.schedule, lastCommit: nil)
        do {
            try await loop.run()
        } catch {
            // The connection closes after this: nothing may still be using it.
            await loop.abandon()
            throw error
        }
        // The flushed position reaches the slot before the stream ends (and the slot is dropped).
        try await stream.send(loop.statusUpdate(replyRequested: false))
        try await stream.end()
        let end = loop.schedule.end ?? loop.schedule.flushed
        publish(loop.schedule, lastCommit: loop.lastCommitTime)
        logger.info("follow: reached the end position", metadata: ["end": "\(end)", "flushed": "\(loop.schedule.flushed)"])
        return end
    }

    /// Sets the end position; `now` is the source's current WAL position, taken at this moment.
    func stop(_ schedule: inout FollowSchedule, at end: FollowEnd) async throws {
        switch end {
        case .lsn(let lsn):
            schedule.stop(at: lsn)
        case .now:
            // A WAL record of our own marks the position: every commit that returned before it
            // lies below it (pg_current_wal_lsn() is the write position, and an asynchronous
            // commit may still be above that), and decoding passes it even on an idle source.
            let text = try await Connections.withSource(request.source) { source, _ in
                do {
                    // Transactional and committed synchronously: the commit flushes the WAL before
                    // it, which decoding must read (the source's asynchronous commits would
                    // otherwise wait for its WAL writer, up to wal_writer_delay).
                    try await source.execute("SET synchronous_commit = on")
                    return try await source.query(
                        "SELECT pg_catalog.pg_logical_emit_message(true, 'pgferry', 'cutover')::text AS lsn").rows[0].string("lsn")
                } catch let error as PGError where error.code == .server {
                    return try await source.query("SELECT pg_catalog.pg_current_wal_insert_lsn()::text AS lsn").rows[0].string("lsn")
                }
            }
            guard let lsn = LSN(text) else { throw FerryError("the source reported WAL position \"\(text)\", expected X/Y") }
            schedule.stop(at: lsn)
        }
        logger.info("follow: cutting over", metadata: ["end": "\(schedule.end.map(\.description) ?? "")"])
    }

    /// The target statements of replicated changes.
    func statements(for changes: [RowChange], planner: ApplyPlanner) throws -> [ApplyStatement] {
        do { return try planner.statements(for: changes) } catch { throw FerryError("follow: \(error.description)") }
    }

    /// Sends one chunk in one round trip and checks that each UPDATE and DELETE found its row;
    /// rolls the target transaction back on a failure.
    /// - Returns: the rows its changes touched.
    static func send(_ chunk: ApplyBatch.Chunk, after flushed: LSN, on target: PGConnection) async throws -> Int64 {
        do {
            let results = try await target.pipeline(chunk.statements.map { $0.pipelined(prepared: true) })
            var rows: Int64 = 0
            for index in chunk.changes {
                let (statement, affected) = (chunk.statements[index], results[index].affectedRows ?? 0)
                if let expected = statement.expectedRows, affected != expected {
                    let sql = statement.sql.count > 300 ? String(statement.sql.prefix(300)) + "…" : statement.sql
                    throw FerryError("follow: the target diverged from the source: `\(sql)` changed \(affected) rows "
                        + "instead of \(expected == 1 ? "one" : "\(expected) (one per change)"), applying the source's transactions after \(flushed); "
                        + "nothing of them was applied (was the target written to, or its schema changed?)")
                }
                rows += Int64(affected)
            }
            return rows
        } catch {
            _ = try? await target.execute("ROLLBACK")
            throw error
        }
    }

    func publish(_ schedule: FollowSchedule, lastCommit: ReplicationTimestamp?) {
        let state: FollowState = schedule.end == nil ? .streaming : .cuttingOver
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

    /// How long a resumed run waits for the sessions of the run it replaces to end.
    static let heldTimeout = Duration.seconds(15)

    /// Runs `body` again while the origin or slot it takes is held by another session (55006):
    /// the server sessions of a run that was just killed hold them until they notice their
    /// client is gone.
    static func whileHeldByAnEndingSession<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + heldTimeout
        while true {
            do {
                return try await body()
            } catch let error as PGError where error.sqlState == "55006" {
                guard ContinuousClock.now < deadline else {
                    throw FerryError("follow: \(what) is still in use after \(heldTimeout): \(error.message); is another "
                        + "pgferry run following into this target? Stop it, or wait for it to end", sqlState: "55006")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Runs a statement with its parameters; returns the rows it affected.
    @discardableResult
    static func run(_ statement: ApplyStatement, on connection: PGConnection) async throws -> Int? {
        try await connection.pipeline([statement.pipelined(prepared: false)])[0].affectedRows
    }

    /// The target's tables of `schemas`, with the column types the apply casts to (partitions
    /// apply through their root: `publish_via_partition_root`), and whether every column's type
    /// is built in (OID below 16384, an array's element type too).
    static func targets(_ target: PGConnection, schemas: [String]) async throws -> ([ApplyTarget], builtinTypes: Bool) {
        let columns = try await target.query("""
            SELECT n.nspname, c.relname, c.relkind::text AS kind, a.attname, a.attgenerated <> '' AS generated,
                   a.attidentity = 'a' AS identity_always, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                   t.oid IS NULL OR (t.oid < 16384 AND (t.typelem = 0 OR t.typelem < 16384)) AS builtin
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            -- A table of no columns is a target too (one row of NULLs).
            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            WHERE n.nspname = ANY(\(schemas)) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            """)
        var targets: [QualifiedName: ApplyTarget] = [:]
        var builtinTypes = true
        for row in columns.rows {
            let name = QualifiedName(try row.string("nspname"), try row.string("relname"))
            let isPartitioned = try row.string("kind") == "p"
            var table = targets[name] ?? ApplyTarget(name: name, isPartitioned: isPartitioned, columnTypes: [:])
            if let column = try row.optionalString("attname") {
                table.columnTypes[column] = try row.string("type")
                if try row.bool("generated") { table.generatedColumns.insert(column) }
                if try row.bool("identity_always") { table.identityAlwaysColumns.insert(column) }
            }
            targets[name] = table
            builtinTypes = try builtinTypes && row.bool("builtin")
        }
        return (Array(targets.values), builtinTypes)
    }

    /// The status's client time (informational for the server).
    static func unixMicroseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }
}

extension ApplyStatement {
    /// For PGClient: the same values, text or binary.
    func pipelined(prepared: Bool) -> PipelinedStatement {
        PipelinedStatement(sql: sql, parameters: parameters.map {
            switch $0 {
            case .text(let bytes): .text(bytes)
            case .binary(let bytes): .binary(bytes)
            case .null: nil
            }
        }, prepared: prepared)
    }
}
