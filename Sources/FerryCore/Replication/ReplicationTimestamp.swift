/// A PostgreSQL `timestamptz` on the wire: microseconds since 2000-01-01 00:00:00 UTC (commit
/// times in pgoutput, send times in the replication stream, the client time in status updates).
public struct ReplicationTimestamp: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// Microseconds between 1970-01-01 and 2000-01-01 (PostgreSQL's epoch).
    static let postgresEpochInUnixMicroseconds: Int64 = 946_684_800_000_000

    public init(unixMicroseconds: Int64) {
        let (value, overflow) = unixMicroseconds.subtractingReportingOverflow(Self.postgresEpochInUnixMicroseconds)
        rawValue = overflow ? .min : value
    }

    /// Saturates at `Int64.max` (PostgreSQL's `infinity`) rather than overflowing.
    public var unixMicroseconds: Int64 {
        let (value, overflow) = rawValue.addingReportingOverflow(Self.postgresEpochInUnixMicroseconds)
        return overflow ? .max : value
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`: a `timestamptz` input that round-trips to the microsecond
    /// whatever the session's DateStyle and TimeZone.
    public var description: String {
        if rawValue == .max { return "infinity" }
        if rawValue == .min { return "-infinity" }
        let (days, microsecondOfDay) = floorDivision(rawValue, 86_400_000_000)
        let (year, month, day) = civilDate(daysSinceUnixEpoch: days + 10_957)  // 1970 → 2000
        let second = microsecondOfDay / 1_000_000
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2)) "
            + "\(padded(second / 3600, 2)):\(padded(second / 60 % 60, 2)):\(padded(second % 60, 2))"
            + ".\(padded(microsecondOfDay % 1_000_000, 6))+00"
    }

    private func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Howard Hinnant's `civil_from_days` (proleptic Gregorian calendar).
    private func civilDate(daysSinceUnixEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceUnixEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
