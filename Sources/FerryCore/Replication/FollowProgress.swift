/// Where a follow run stops: at the source's WAL position when cutover is asked (`now`), or at a
/// given LSN. Everything committed on the source up to it is applied before the run ends.
public enum FollowEnd: Hashable, Sendable, CustomStringConvertible {
    case now
    case lsn(LSN)

    /// `now` or an LSN `X/Y`; nil for anything else.
    public init?(_ text: String) {
        if text.lowercased() == "now" {
            self = .now
        } else if let lsn = LSN(text) {
            self = .lsn(lsn)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .now: "now"
        case .lsn(let lsn): lsn.description
        }
    }
}

public enum FollowState: String, Sendable, Codable, CaseIterable {
    /// The slot exists and the copy reads its snapshot; changes wait in the slot.
    case copying
    /// Applying the source's transactions as they commit.
    case streaming
    /// Applying up to the end position, then sequences, counts and cleanup.
    case cuttingOver = "cutting_over"
    case done
}

/// Follow mode's counters, in `MigrationProgress.follow`. LSNs as `X/Y` text.
public struct FollowProgress: Sendable, Codable, Equatable {
    public var state: FollowState
    public var slot: String
    /// Where the slot's stream starts: the copy's snapshot.
    public var consistentPoint: String
    /// Decoded up to here (the last XLogData or keepalive position).
    public var receivedLSN: String?
    /// End of the last source transaction committed on the target.
    public var appliedLSN: String?
    /// What the slot was told is durable on the target (its `confirmed_flush_lsn` follows).
    public var flushedLSN: String?
    /// The server's WAL end as last heard minus `appliedLSN`.
    public var lagBytes: Int64?
    /// How long ago the last applied transaction committed on the source, while the target is
    /// behind; 0 once it has caught up.
    public var lagSeconds: Double?
    /// WAL the slot keeps on the source's disk (the source's WAL position − the slot's
    /// `restart_lsn`), measured every few seconds while the slot exists; 0 once it is dropped.
    public var retainedBytes: Int64?
    public var transactionsApplied: Int64 = 0
    public var rowsApplied: Int64 = 0
    /// The end position once cutover is decided, then the last LSN applied.
    public var endLSN: String?
    /// Once done: how long cutover took from its request, part by part.
    public var cutover: CutoverWindow?
    /// Cutover's refresh of the materialized views (not replicated): how many, how long.
    public var materializedViewsRefreshed: Int?
    public var materializedViewRefreshSeconds: Double?

    public init(state: FollowState, slot: String, consistentPoint: LSN) {
        self.state = state
        self.slot = slot
        self.consistentPoint = consistentPoint.description
    }
}

/// The apply loop's decisions, without I/O: when to send a standby status and when the follow
/// has reached its end.
///
/// A status goes out when the server asks for one, when something new was committed on the
/// target, and at least every `statusInterval` (the server drops a silent client after
/// `wal_sender_timeout`, 60 s by default). The end is reached once every transaction that
/// commits before the end position is applied: when a transaction committed at or after it
/// arrived (protocol 1 sends transactions in commit order), or when the server says it decoded
/// past it (a keepalive's WAL end) with no transaction half received.
public struct FollowSchedule: Sendable, Equatable {
    public var statusInterval: Duration
    /// Received up to here: XLogData starts and keepalive ends.
    public private(set) var received: LSN
    /// The end of the last transaction committed on the target.
    public private(set) var flushed: LSN
    /// The server's WAL end as last heard.
    public private(set) var serverEnd: LSN
    public private(set) var end: LSN?
    private var lastStatus: ContinuousClock.Instant?
    private var reportedFlushed: LSN?
    private var decodedPastEnd = false

    public init(start: LSN, statusInterval: Duration = .seconds(10)) {
        self.statusInterval = statusInterval
        received = start
        flushed = start
        serverEnd = start
    }

    /// Sets the end position (the first call wins: a cutover asked twice keeps its first LSN).
    public mutating func stop(at lsn: LSN) {
        if end == nil { end = lsn }
        if serverEnd >= lsn, flushed >= lsn { decodedPastEnd = true }
    }

    /// A keepalive: the server decoded everything up to `walEnd`. `idle` says no transaction is
    /// half received or applied but uncommitted.
    ///
    /// Idle, everything of ours below `walEnd` is on the target: it counts as flushed, as
    /// PostgreSQL's apply worker reports it, so the slot moves past WAL of unpublished tables
    /// instead of retaining it until the next change of ours (resume still starts after the
    /// origin's last commit, which lies below).
    public mutating func keepalive(walEnd: LSN, idle: Bool) {
        received = max(received, walEnd)
        serverEnd = max(serverEnd, walEnd)
        guard idle else { return }
        flushed = max(flushed, walEnd)
        if let end, walEnd >= end { decodedPastEnd = true }
    }

    /// An XLogData message.
    public mutating func data(start: LSN, walEnd: LSN) {
        received = max(received, start)
        serverEnd = max(serverEnd, walEnd)
    }

    /// A source transaction committed on the target.
    public mutating func applied(commit: LSN, end transactionEnd: LSN) {
        flushed = max(flushed, transactionEnd)
        received = max(received, transactionEnd)
        if let end, commit >= end { decodedPastEnd = true }
    }

    /// True once everything committed on the source before the end position is on the target.
    public var reachedEnd: Bool { end != nil && decodedPastEnd }

    /// Whether to send a status now; `asked` when the server requested a reply.
    public func statusDue(at now: ContinuousClock.Instant, asked: Bool) -> Bool {
        guard !asked, let lastStatus else { return true }
        return reportedFlushed != flushed || now - lastStatus >= statusInterval
    }

    /// Records that a status with the current `flushed` went out.
    public mutating func statusSent(at now: ContinuousClock.Instant) {
        lastStatus = now
        reportedFlushed = flushed
    }

    /// Bytes of WAL the target is behind the server's end, as last heard.
    public var lagBytes: Int64 { serverEnd > flushed ? Int64(serverEnd.rawValue - flushed.rawValue) : 0 }
}
