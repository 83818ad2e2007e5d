/// Moves one table, or one slice of it: `COPY … TO STDOUT` on a source worker → `ChunkRing` →
/// `COPY … FROM STDIN` on a target worker, in one target transaction.
struct TablePipe {
    let task: TableTask
    let source: PGConnection
    let target: PGConnection
    let chunkSize: Int
    let ringCapacity: Int
    /// A COPY stream fails when no byte moves for this long.
    let stallTimeout: Duration?
    let progress: ProgressRecorder
    /// False: the caller has a target transaction open and commits it (`Job.copyGroup`).
    var ownsTransaction = true

    /// - Returns: the number of rows moved, equal on both sides.
    func run() async throws -> Int {
        let table = task.table
        do {
            try await source.execute("LOCK TABLE ONLY \(table.sql) IN ACCESS SHARE MODE NOWAIT")
        } catch let error as PGError where error.sqlState == "55P03" {
            // A session asked for a conflicting lock (ALTER TABLE…) after the snapshot was taken:
            // name it. The lookup cannot run in the aborted transaction.
            _ = try? await source.execute("ROLLBACK")
            throw FerryError(await LockConflict.describe(on: source, table: table), sqlState: "55P03")
        } catch {
            throw FerryError.table(table, .source, error)
        }
        // A table that loads alone does so in a transaction that truncates it first, so COPY can
        // FREEZE and a failed load leaves nothing; slices and rows routed through a partition
        // root load side by side into tables that are still empty. A grouped small table is
        // neither truncated nor frozen: the group's transaction rolls back whole, and a TRUNCATE
        // (new files for the table, its TOAST table and index, the old ones unlinked) made 3 000
        // small tables load in 31–33 s instead of 6 s in one stream (Benchmarks/README.md).
        if ownsTransaction {
            let begin = task.loadsAlone ? "BEGIN; TRUNCATE ONLY \(table.sql)" : "BEGIN"
            try await run(on: .target) { try await target.execute(begin) }
        }
        // A failure leaves the target's transaction open: the run ends and closing the
        // connection rolls it back (a ROLLBACK could wait on a server that stopped answering).
        let ring = ChunkRing(capacity: ringCapacity)
        // Reader and writer wait on the ring on their connection threads: cancellation must
        // reach them there too.
        let (sent, stored) = try await withTaskCancellationHandler {
            async let written = write(from: ring)
            async let read = read(into: ring)
            return try await (read, written)
        } onCancel: {
            ring.fail(CancellationError())
        }
        guard sent == stored else {
            throw FerryError("table \(table): row count mismatch, the source sent \(sent) rows and the target stored \(stored)")
        }
        if ownsTransaction { try await run(on: .target) { try await target.execute("COMMIT") } }
        return stored
    }

    private func read(into ring: ChunkRing) async throws -> Int {
        let table = task.table
        let progress = progress
        do {
            let rows = try await source.copyOut(task.copyOutSQL, chunkSize: chunkSize, stall: stallTimeout) { chunk, rows in
                try ring.push(chunk)
                progress.updateTable(table) {
                    $0.rows += Int64(rows)
                    $0.bytes += Int64(chunk.count)
                }
            }
            ring.finish()
            return rows
        } catch {
            let failure = FerryError.table(table, .source, error)
            ring.fail(failure)
            throw failure
        }
    }

    private func write(from ring: ChunkRing) async throws -> Int {
        do {
            return try await target.copyIn(task.copyInSQL(freeze: ownsTransaction), stall: stallTimeout) { try ring.pop() }
        } catch {
            let failure = FerryError.table(task.table, .target, error)
            ring.fail(failure)
            throw failure
        }
    }

    private func run(on side: FerryError.Side, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            throw FerryError.table(task.table, side, error)
        }
    }
}
