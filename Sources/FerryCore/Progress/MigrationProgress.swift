/// The run status, in the words of the HTTP API pgferry serves (`FerryServer`'s contract).
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case idle, dumping, restoring, complete, error

    public var isRunning: Bool { self == .dumping || self == .restoring }
}

/// Where one table is in its pipe.
public enum TableState: String, Sendable, Codable, CaseIterable {
    case pending, copying, indexing, done, skipped, failed
    /// The run ended after this table's rows landed but before its indexes and keys were built.
    case copied
}

/// Live counters of one table.
public struct TableProgress: Sendable, Codable, Equatable {
    public var table: String
    public var state: TableState
    public var format: CopyFormat
    public var rows: Int64 = 0
    public var bytes: Int64 = 0
    /// Size on the source (`pg_table_size`), the denominator of progress bars.
    public var sourceBytes: Int64
    /// Seconds since the run started when the copy began / ended, and when its indexes were done.
    public var copyStartedAt: Double?
    public var copyFinishedAt: Double?
    public var indexesFinishedAt: Double?

    public init(table: String, state: TableState, format: CopyFormat, sourceBytes: Int64) {
        self.table = table
        self.state = state
        self.format = format
        self.sourceBytes = sourceBytes
    }

    public var copySeconds: Double? {
        guard let start = copyStartedAt else { return nil }
        return (copyFinishedAt ?? start) - start
    }

    public var indexSeconds: Double? {
        guard let end = copyFinishedAt, let done = indexesFinishedAt else { return nil }
        return done - end
    }
}

/// Large objects copied so far, of those the source held in the snapshot.
public struct LargeObjectProgress: Sendable, Codable, Equatable {
    public var total: Int
    public var copied: Int
    public var bytes: Int64

    public init(total: Int, copied: Int = 0, bytes: Int64 = 0) {
        self.total = total
        self.copied = copied
        self.bytes = bytes
    }
}

/// Timing of one phase of a run (pre-data, data, post-data, validate…).
public struct PhaseTiming: Sendable, Codable, Equatable {
    public var phase: String
    public var seconds: Double
    public init(phase: String, seconds: Double) {
        self.phase = phase
        self.seconds = seconds
    }
}

/// Everything about one run, as a value: the engine mutates it under a lock; status, the CLI
/// and the HTTP API read copies of it.
public struct MigrationProgress: Sendable, Codable, Equatable {
    public var status: RunStatus = .idle
    public var currentStep: String = ""
    public var error: String?
    public var tables: [TableProgress] = []
    public var phases: [PhaseTiming] = []
    public var hazards: [String] = []
    /// Set when the run copies large objects.
    public var largeObjects: LargeObjectProgress?
    /// The end-of-run schema compare, source against target (nil until it ran, or when skipped).
    public var comparison: SchemaComparison?
    /// Set when the run follows the source after the copy (`MigrationRequest.follow`).
    public var follow: FollowProgress?
    /// Seconds since the run started, frozen at the end.
    public var elapsedSeconds: Double = 0

    public init() {}

    public var totalRows: Int64 { tables.reduce(0) { $0 + $1.rows } }
    public var totalBytes: Int64 { tables.reduce(0) { $0 + $1.bytes } }
    /// Source bytes of the tables whose data is copied.
    public var plannedBytes: Int64 { tables.filter { $0.state != .skipped }.reduce(0) { $0 + $1.sourceBytes } }

    /// Seconds left at the current copy rate, once there is a rate to speak of.
    public var etaSeconds: Double? {
        guard status.isRunning, totalBytes > 0, elapsedSeconds > 0.5 else { return nil }
        let copying = tables.filter { $0.state != .skipped }
        guard copying.contains(where: { $0.state == .pending || $0.state == .copying }) else { return nil }
        // COPY text is usually larger than the heap; never report less than zero.
        let remaining = max(0, Double(plannedBytes - totalBytes))
        return remaining / (Double(totalBytes) / elapsedSeconds)
    }

    public mutating func updateTable(_ name: String, _ change: (inout TableProgress) -> Void) {
        guard let index = tables.firstIndex(where: { $0.table == name }) else { return }
        change(&tables[index])
    }
}

/// The single-run lifecycle: `idle → running → complete/error`, reset back to idle. One
/// migration at a time; a finished run can be started again (the HTTP API does not require a reset).
/// While running, the run's own progress says whether it is `dumping` or `restoring`.
public struct RunLifecycle: Sendable {
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case alreadyRunning, resetWhileRunning

        public var description: String {
            switch self {
            case .alreadyRunning: "Migration already in progress"
            case .resetWhileRunning: "Cannot reset while migration is in progress"
            }
        }
    }

    public private(set) var status: RunStatus = .idle

    public init() {}

    public mutating func start() throws(Refusal) {
        guard !status.isRunning else { throw .alreadyRunning }
        status = .dumping
    }

    public mutating func finish(success: Bool) {
        guard status.isRunning else { return }
        status = success ? .complete : .error
    }

    public mutating func reset() throws(Refusal) {
        guard !status.isRunning else { throw .resetWhileRunning }
        status = .idle
    }
}
