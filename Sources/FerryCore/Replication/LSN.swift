/// A position in the write-ahead log (`pg_lsn`): printed and parsed as `X/Y`, the high and low
/// 32 bits in hexadecimal.
public struct LSN: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let zero = LSN(rawValue: 0)

    /// Parses `X/Y` as `pg_lsn_in` does: one to eight hexadecimal digits on each side of the slash
    /// (PostgreSQL 18 zero-pads the low half, earlier versions do not; both parse).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let high = Self.half(parts[0]), let low = Self.half(parts[1]) else { return nil }
        rawValue = UInt64(high) << 32 | UInt64(low)
    }

    /// `X/Y` without padding, which every server version accepts.
    public var description: String {
        String(rawValue >> 32, radix: 16, uppercase: true) + "/"
            + String(rawValue & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    public static func < (lhs: LSN, rhs: LSN) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func half(_ digits: some StringProtocol) -> UInt32? {
        guard (1...8).contains(digits.utf8.count), digits.utf8.allSatisfy(\.isHexDigit) else { return nil }
        return UInt32(digits, radix: 16)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
