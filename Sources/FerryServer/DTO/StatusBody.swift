import Ferry
import Foundation

/// `GET /api/v1/migration/status`: Queen's fields (`status`, `currentStep`, `elapsedSeconds`,
/// `error`, `restoreOutput`) plus per-table counters, totals and an ETA.
struct StatusBody: Encodable, Equatable {
    struct Table: Encodable, Equatable {
        var table: String
        var state: TableState
        var format: CopyFormat
        var rows: Int64
        var bytes: Int64
        var sourceBytes: Int64
        /// 0–100 of this table's copy (COPY bytes against the heap size, capped at 99 until done).
        var percent: Double
        var rowsPerSecond: Double?
        var bytesPerSecond: Double?
        var copySeconds: Double?
        var indexSeconds: Double?
    }

    struct Totals: Encodable, Equatable {
        var tables: Int
        var tablesDone: Int
        var tablesSkipped: Int
        var tablesFailed: Int
        var rows: Int64
        var bytes: Int64
        var plannedBytes: Int64
        var percent: Double
        var bytesPerSecond: Double?
    }

    var status: RunStatus
    var currentStep: String
    /// Rounded to 0.1 s, as Queen does.
    var elapsedSeconds: Double
    var error: String?
    /// Queen's dashboard shows this under "pg_restore output": here, the per-table summary.
    var restoreOutput: String?
    var schemas: [String]
    var excludeTableData: [String]
    var tables: [Table]
    var totals: Totals
    var etaSeconds: Double?
    var hazards: [String]
    var phases: [PhaseTiming]
    var largeObjects: LargeObjectProgress?
    /// The end-of-run schema compare (absent until it ran, or when the request turned it off).
    var comparison: SchemaComparison?
    /// Follow mode's state and LSNs (absent when the run does not follow).
    var follow: FollowProgress?

    init(_ progress: MigrationProgress, request: MigrationRequest?) {
        status = progress.status
        currentStep = progress.currentStep
        elapsedSeconds = Self.tenths(progress.elapsedSeconds)
        error = progress.error
        restoreOutput = progress.tables.isEmpty || progress.status == .idle ? nil : ProgressText.tableLines(progress).joined(separator: "\n")
        schemas = progress.status == .idle ? [] : request?.schemas ?? []
        excludeTableData = progress.status == .idle ? [] : request?.excludeTableData ?? []
        etaSeconds = progress.etaSeconds.map(Self.tenths)
        hazards = progress.hazards
        largeObjects = progress.largeObjects
        phases = progress.phases.map { PhaseTiming(phase: $0.phase, seconds: Self.tenths($0.seconds)) }
        comparison = progress.comparison
        follow = progress.follow

        let now = progress.elapsedSeconds
        tables = progress.tables.map { table in
            let copying: Double? = table.copyStartedAt.map { (table.copyFinishedAt ?? now) - $0 }
            let rate = { (count: Int64) -> Double? in
                guard let copying, copying > 0.05, table.state != .skipped else { return nil }
                return (Double(count) / copying).rounded()
            }
            return Table(table: table.table, state: table.state, format: table.format, rows: table.rows, bytes: table.bytes,
                         sourceBytes: table.sourceBytes, percent: Self.percent(table),
                         rowsPerSecond: rate(table.rows), bytesPerSecond: rate(table.bytes),
                         copySeconds: table.copySeconds.map(Self.tenths), indexSeconds: table.indexSeconds.map(Self.tenths))
        }
        let copied = progress.tables.filter { $0.state != .skipped }
        let planned = progress.plannedBytes
        let landed = copied.reduce(Int64(0)) { sum, table in
            sum + (Self.copyFinished(table) ? table.sourceBytes : min(table.bytes, table.sourceBytes))
        }
        let percent: Double = switch progress.status {
        case .complete: 100
        case .idle: 0
        default: planned > 0 ? min(99.9, Self.tenths(Double(landed) * 100 / Double(planned)))
            : (copied.isEmpty ? 0 : Self.tenths(Double(copied.filter(Self.copyFinished).count) * 100 / Double(copied.count)))
        }
        totals = Totals(
            tables: progress.tables.count, tablesDone: progress.tables.filter { $0.state == .done }.count,
            tablesSkipped: progress.tables.filter { $0.state == .skipped }.count,
            tablesFailed: progress.tables.filter { $0.state == .failed }.count,
            rows: progress.totalRows, bytes: progress.totalBytes, plannedBytes: planned, percent: percent,
            bytesPerSecond: progress.elapsedSeconds > 0.05 && progress.totalBytes > 0
                ? (Double(progress.totalBytes) / progress.elapsedSeconds).rounded() : nil)
    }

    private static func copyFinished(_ table: TableProgress) -> Bool {
        table.state == .done || table.state == .indexing || table.state == .copied
    }

    private static func percent(_ table: TableProgress) -> Double {
        switch table.state {
        case .done, .indexing, .copied: return 100
        case .pending, .skipped: return 0
        case .copying, .failed:
            guard table.sourceBytes > 0 else { return 0 }
            return min(99, tenths(Double(table.bytes) * 100 / Double(table.sourceBytes)))
        }
    }

    static func tenths(_ value: Double) -> Double { (value * 10).rounded() / 10 }
}
