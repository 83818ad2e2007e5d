/// Bytes of the replication protocol that are not what the protocol allows at that point.
public struct WireFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The message being read, e.g. `pgoutput Update`.
    public var message: String
    /// What the protocol expects next, e.g. `Int32 column length`.
    public var expected: String
    /// Offset from the first byte of the message.
    public var offset: Int
    /// What is there instead, e.g. `end of data (2 bytes left)`.
    public var found: String

    public var description: String { "\(message) message: expected \(expected) at offset \(offset), found \(found)" }
}

/// A read cursor over one protocol message: big-endian integers, NUL-terminated strings and
/// counted byte strings, every read bounds-checked and failing with a `WireFormatError`.
struct WireReader {
    private let bytes: ArraySlice<UInt8>
    private var index: ArraySlice<UInt8>.Index
    /// Offsets in errors count from the message's first byte, `startOffset` bytes before `bytes`.
    private let startOffset: Int
    let message: String

    init(_ bytes: ArraySlice<UInt8>, message: String, startOffset: Int = 0) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.startOffset = startOffset
        self.message = message
    }

    var offset: Int { startOffset + index - bytes.startIndex }
    var remainingCount: Int { bytes.endIndex - index }

    func error(expected: String, found: String) -> WireFormatError {
        WireFormatError(message: message, expected: expected, offset: offset, found: found)
    }

    private func requireBytes(_ count: Int, for expected: String) throws(WireFormatError) {
        guard remainingCount >= count else {
            throw error(expected: expected, found: "end of data (\(remainingCount) bytes left)")
        }
    }

    mutating func readUInt8(_ expected: String) throws(WireFormatError) -> UInt8 {
        try requireBytes(1, for: expected)
        defer { index += 1 }
        return bytes[index]
    }

    /// A byte that `interpret` must accept (a kind, a flag): otherwise the error points at it.
    mutating func readByte<T>(_ expected: String, _ interpret: (UInt8) -> T?) throws(WireFormatError) -> T {
        let byte = try readUInt8(expected)
        guard let value = interpret(byte) else {
            throw WireFormatError(message: message, expected: expected, offset: offset - 1, found: byte.printedKind)
        }
        return value
    }

    mutating func readInteger<T: FixedWidthInteger>(_ expected: String, as: T.Type = T.self) throws(WireFormatError) -> T {
        let size = MemoryLayout<T>.size
        try requireBytes(size, for: expected)
        var value: T = 0
        for byte in bytes[index..<index + size] { value = value << 8 | T(truncatingIfNeeded: byte) }
        index += size
        return value
    }

    mutating func readLSN(_ expected: String) throws(WireFormatError) -> LSN {
        LSN(rawValue: try readInteger(expected))
    }

    mutating func readTimestamp(_ expected: String) throws(WireFormatError) -> ReplicationTimestamp {
        ReplicationTimestamp(rawValue: try readInteger(expected))
    }

    /// A count or length that must be non-negative and small enough for that many elements of at
    /// least `minimumElementSize` bytes to fit in what is left: a corrupt count never allocates.
    mutating func readCount<T: FixedWidthInteger & SignedInteger>(
        _ expected: String, as: T.Type, minimumElementSize: Int
    ) throws(WireFormatError) -> Int {
        let start = index
        let count = Int(try readInteger(expected, as: T.self))
        let limit = remainingCount / minimumElementSize
        guard (0...limit).contains(count) else {
            index = start
            throw error(expected: "\(expected) between 0 and \(limit) (the bytes left)", found: String(count))
        }
        return count
    }

    mutating func readBytes(_ count: Int, _ expected: String) throws(WireFormatError) -> [UInt8] {
        try requireBytes(count, for: expected)
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    /// A NUL-terminated string (names in the server's encoding, UTF-8 for pgferry's sessions).
    mutating func readString(_ expected: String) throws(WireFormatError) -> String {
        guard let terminator = bytes[index...].firstIndex(of: 0) else {
            throw error(expected: "\(expected) (NUL-terminated string)", found: "no NUL before the end of data")
        }
        defer { index = terminator + 1 }
        return String(decoding: bytes[index..<terminator], as: UTF8.self)
    }

    func expectEnd() throws(WireFormatError) {
        guard remainingCount == 0 else {
            throw error(expected: "end of message", found: "\(remainingCount) more bytes")
        }
    }
}

extension UInt8 {
    /// `'w'` for printable ASCII, `0x07` otherwise: how a message kind is shown in errors.
    var printedKind: String {
        (0x20..<0x7F).contains(self) ? "'\(Character(Unicode.Scalar(self)))'" : "0x" + String(self, radix: 16)
    }
}
