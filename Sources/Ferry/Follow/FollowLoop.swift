import PGClient

/// One follow stream from its start to the end position: reads the slot's messages, assembles
/// source transactions, plans them and applies each as one target transaction, in commit order.
/// Holds where the stream stands (`schedule`), what is queued (`batch`) and the chunk the target
/// is applying while the next is read and planned (at most one).
struct FollowLoop {
    let applier: FollowApplier
    let target: PGConnection
    let stream: ReplicationStream
    let planner: ApplyPlanner
    /// What an earlier run committed on the target (resume): skipped.
    let applied: LSN
    var schedule: FollowSchedule
    var assembler = TransactionAssembler()
    var batch = ApplyBatch()
    /// Messages buffered of the open source transaction.
    var buffered = 0
    var lastCommitTime: ReplicationTimestamp?
    var sending: Task<Int64, any Error>?

    init(applier: FollowApplier, target: PGConnection, stream: ReplicationStream, planner: ApplyPlanner, applied: LSN,
         schedule: FollowSchedule) {
        self.applier = applier
        self.target = target
        self.stream = stream
        self.planner = planner
        self.applied = applied
        self.schedule = schedule
    }

    /// Reads, plans and applies until the end position, the last chunk settled.
    mutating func run() async throws {
        while !schedule.reachedEnd {
            try Task.checkCancellation()
            if schedule.end == nil, applier.cutoverAsked() {
                try await applier.stop(&schedule, at: .now)
                applier.publish(schedule, lastCommit: lastCommitTime)
            }
            // With whole transactions applied but not committed, only what has arrived already
            // joins them; a transaction in part applied waits for the rest (no busy loop).
            let messages = try await stream.messages(waitingAtMost: batch.canCommit ? .zero : FollowApplier.pollInterval, limit: 1_000)
            var asked = false
            if messages.isEmpty, batch.canCommit { try await commit() }
            for bytes in messages where !schedule.reachedEnd {
                asked = try await receive(bytes) || asked
            }
            let now = ContinuousClock.now
            // While cutting over, an idle wait asks the server where its decoding stands.
            let probe = messages.isEmpty && schedule.end != nil
            if probe || schedule.statusDue(at: now, asked: asked) {
                try await stream.send(statusUpdate(replyRequested: probe))
                schedule.statusSent(at: now)
            }
        }
        try await settle()
    }

    /// Waits for the chunk in flight, if any, ignoring its outcome: after a failure, before the
    /// connection closes.
    mutating func abandon() async {
        _ = try? await sending?.value
        sending = nil
    }

    /// The standby status the slot gets: what was received, and what the target has flushed.
    func statusUpdate(replyRequested: Bool) -> [UInt8] {
        StandbyStatusUpdate(written: schedule.received, flushed: schedule.flushed, applied: schedule.flushed,
                            clientTime: ReplicationTimestamp(unixMicroseconds: FollowApplier.unixMicroseconds()),
                            replyRequested: replyRequested).encoded
    }

    /// Takes one message of the stream. - Returns: whether the server asked for a reply.
    private mutating func receive(_ bytes: [UInt8]) async throws -> Bool {
        switch try ReplicationStreamMessage(decoding: bytes) {
        case .keepalive(let keepalive):
            schedule.keepalive(walEnd: keepalive.walEnd, idle: assembler.openTransaction == nil && batch.isEmpty)
            applier.publish(schedule, lastCommit: lastCommitTime)
            return keepalive.replyRequested
        case .xLogData(let data):
            schedule.data(start: data.dataStart, walEnd: data.walEnd)
            let event = try assembler.receive(try PgOutputMessage(decoding: data.payload))
            if case .transaction(let transaction)? = event {
                buffered = 0
                if transaction.commitLSN > applied {
                    batch.queue(transaction, statements: try applier.statements(for: transaction.changes, planner: planner), at: .now)
                    if batch.commitDue(at: .now, end: schedule.end) { try await commit() }
                } else {
                    // Committed on the target by an earlier run (resume), before anything new.
                    schedule.applied(commit: transaction.commitLSN, end: transaction.endLSN)
                }
            } else if let open = assembler.openTransaction {
                buffered += 1
                // A large transaction goes to the target as it arrives, in the open target
                // transaction, so memory stays bounded; it commits after its Commit only.
                if buffered >= FollowApplier.spillThreshold {
                    let changes = assembler.takeBufferedChanges()
                    buffered = 0
                    if open.begin.finalLSN > applied {
                        batch.queuePart(try applier.statements(for: changes, planner: planner), at: .now)
                        try await sendChunk()
                    }
                }
            }
            if batch.chunkFull { try await sendChunk() }
            return false
        }
    }

    /// Waits for the chunk in flight; its failure (divergence, the target's error) is thrown here.
    private mutating func settle() async throws {
        guard let chunk = sending else { return }
        sending = nil
        let rows = try await chunk.value
        applier.recorder.update { $0.follow?.rowsApplied += rows }
    }

    /// Sends the queued changes without waiting for the target to apply them.
    private mutating func sendChunk() async throws {
        try await settle()
        let chunk = batch.takeChunk()
        let (flushed, target) = (schedule.flushed, target)
        sending = Task { try await FollowApplier.send(chunk, after: flushed, on: target) }
    }

    /// Commits the batch on the target, then lets the schedule (and so the slot) know.
    private mutating func commit() async throws {
        try await settle()
        guard let chunk = batch.takeCommitChunk(), let last = batch.last else { return }
        let rows = try await FollowApplier.send(chunk, after: schedule.flushed, on: target)
        do { try await target.execute("COMMIT") } catch {
            _ = try? await target.execute("ROLLBACK")
            throw error
        }
        let transactions = batch.transactions
        applier.recorder.update {
            $0.follow?.transactionsApplied += Int64(transactions)
            $0.follow?.rowsApplied += rows
        }
        batch.committed()
        schedule.applied(commit: last.commitLSN, end: last.endLSN)
        lastCommitTime = last.commitTime
        applier.publish(schedule, lastCommit: lastCommitTime)
    }
}
