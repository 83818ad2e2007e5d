/// Source transactions on their way into one target transaction, without I/O.
///
/// Applying a queue's many small transactions one target commit and one round trip per row
/// each is bound by latency, not by the target. So the apply loop gathers the statements of
/// consecutive source transactions, sends them to the target in pipelined chunks (one round
/// trip each) inside one open target transaction, and commits them together, the replication
/// origin recording the last one's commit LSN atomically with all of them. Nothing is
/// acknowledged to the slot before that commit returned, so a crash resumes after the last
/// committed batch: nothing applied twice, nothing skipped.
///
/// A batch commits when the stream has nothing more to read at once (the loop's call), when it
/// holds `maxStatements`, when its first transaction has waited `maxDelay`, or when a
/// transaction reaches the follow's end position.
public struct ApplyBatch: Sendable {
    /// Statements sent per round trip.
    public var chunkSize: Int
    /// Statements per target transaction, beyond which it commits at the next source commit.
    public var maxStatements: Int
    /// How long applied changes may stay uncommitted on the target (and the lag grow) while the
    /// stream keeps delivering.
    public var maxDelay: Duration

    /// Statements not yet sent to the target.
    public private(set) var queued: [ApplyStatement] = []
    /// Whether the target transaction is open (`BEGIN` sent with an earlier chunk).
    public private(set) var isOpen = false
    /// Statements sent or queued in this target transaction.
    public private(set) var statements = 0
    /// Source transactions complete in it, and the last of them.
    public private(set) var transactions = 0
    public private(set) var last: ReplicatedTransaction?
    /// When its first change arrived.
    public private(set) var started: ContinuousClock.Instant?
    /// A large source transaction is partly queued: no commit before its own.
    public private(set) var holdsPartialTransaction = false

    public init(chunkSize: Int = 1_000, maxStatements: Int = 20_000, maxDelay: Duration = .milliseconds(50)) {
        self.chunkSize = chunkSize
        self.maxStatements = maxStatements
        self.maxDelay = maxDelay
    }

    /// Nothing applied since the last commit.
    public var isEmpty: Bool { statements == 0 && transactions == 0 }

    /// Queues a part of a large source transaction as it arrives (memory stays bounded).
    public mutating func queuePart(_ statements: [ApplyStatement], at now: ContinuousClock.Instant) {
        queue(statements, at: now)
        holdsPartialTransaction = true
    }

    /// Queues a source transaction at its commit: its statements (those of its changes not
    /// queued as parts yet).
    public mutating func queue(_ transaction: ReplicatedTransaction, statements: [ApplyStatement], at now: ContinuousClock.Instant) {
        queue(statements, at: now)
        holdsPartialTransaction = false
        transactions += 1
        var summary = transaction
        summary.changes = []
        last = summary
    }

    private mutating func queue(_ statements: [ApplyStatement], at now: ContinuousClock.Instant) {
        queued += statements
        self.statements += statements.count
        if started == nil { started = now }
    }

    /// Whether committing now commits whole source transactions only, and at least one.
    public var canCommit: Bool { last != nil && !holdsPartialTransaction }

    /// Whether the queued statements should go out now (a chunk is full).
    public var chunkFull: Bool { queued.count >= chunkSize }

    /// Whether to commit without waiting for the stream to run dry: at a source commit, once
    /// the batch is full or old, or the end position is reached.
    public func commitDue(at now: ContinuousClock.Instant, end: LSN?) -> Bool {
        guard canCommit, let last else { return false }
        if let end, last.commitLSN >= end { return true }
        return statements >= maxStatements || started.map { now - $0 >= maxDelay } ?? false
    }

    /// Statements for one round trip: `BEGIN` when the target transaction is not open yet, the
    /// queued changes, and for a commit the origin's progress (the caller sends `COMMIT` once it
    /// has checked the results).
    public struct Chunk: Sendable, Equatable {
        public var statements: [ApplyStatement]
        /// Where the replicated changes are among them.
        public var changes: Range<Int>
    }

    /// The next chunk of changes.
    public mutating func takeChunk() -> Chunk {
        let begin = isOpen ? [] : [ApplyStatement(sql: "BEGIN")]
        let chunk = Chunk(statements: begin + queued, changes: begin.count..<(begin.count + queued.count))
        queued = []
        isOpen = true
        return chunk
    }

    /// The last chunk of a commit, with the origin's progress; nil unless `canCommit`.
    public mutating func takeCommitChunk() -> Chunk? {
        guard canCommit, let last else { return nil }
        var chunk = takeChunk()
        chunk.statements.append(ReplicationCommands.recordOriginProgress(of: last))
        return chunk
    }

    /// The target committed: a new batch starts.
    public mutating func committed() {
        self = ApplyBatch(chunkSize: chunkSize, maxStatements: maxStatements, maxDelay: maxDelay)
    }
}
