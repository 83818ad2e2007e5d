import Foundation

/// Plain-text renderings of a run's progress for terminals and logs.
public enum ProgressText {
    /// `12.3 MB`, `1.5 GB`: decimal units, as throughput figures are quoted.
    public static func bytes(_ count: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    public static func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1fs", value)
    }

    /// One line per table plus a header, with a bar for tables in flight.
    public static func tableLines(_ progress: MigrationProgress) -> [String] {
        let width = max(5, progress.tables.map(\.table.count).max() ?? 5)
        var lines = [pad("table", width) + "  state     format        rows       bytes    copy   index"]
        for table in progress.tables {
            lines.append(pad(table.table, width) + "  " + pad(table.state.rawValue, 8) + "  " + pad(table.format.rawValue, 6)
                + leftPad(String(table.rows), 12) + leftPad(bytes(table.bytes), 12)
                + leftPad(seconds(table.copySeconds), 8) + leftPad(seconds(table.indexSeconds), 8))
        }
        return lines
    }

    /// The header line: status, step, elapsed, totals, ETA.
    public static func statusLine(_ progress: MigrationProgress) -> String {
        var line = "\(progress.status.rawValue): \(progress.currentStep) — \(seconds(progress.elapsedSeconds)), "
            + "\(progress.totalRows) rows, \(bytes(progress.totalBytes))"
        if progress.elapsedSeconds > 0 {
            line += String(format: " (%.1f MB/s)", Double(progress.totalBytes) / 1e6 / progress.elapsedSeconds)
        }
        if let eta = progress.etaSeconds { line += ", ETA \(seconds(eta))" }
        if let follow = progress.follow { line += "; " + followLine(follow) }
        return line
    }

    /// Follow mode in one clause: state, what is applied, the lag, and the end once decided.
    public static func followLine(_ follow: FollowProgress) -> String {
        var line = "follow \(follow.state.rawValue): \(follow.transactionsApplied) transactions, \(follow.rowsApplied) rows applied"
        if let applied = follow.appliedLSN { line += " up to \(applied)" }
        if let lag = follow.lagBytes { line += ", lag \(bytes(lag))" }
        if let lag = follow.lagSeconds, lag > 0 { line += " (\(seconds(lag)))" }
        if let retained = follow.retainedBytes, follow.state != .done { line += ", slot retains \(bytes(retained)) of WAL" }
        if let end = follow.endLSN { line += ", end \(end)" }
        if let window = follow.cutover { line += "; cutover took \(window)" }
        return line
    }

    /// The end-of-run summary: tables, then the time of each phase.
    public static func summary(_ progress: MigrationProgress) -> [String] {
        var lines = tableLines(progress)
        lines.append("")
        lines.append(progress.phases.map { "\($0.phase) \(seconds($0.seconds))" }.joined(separator: ", "))
        lines.append(statusLine(progress))
        return lines
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
