/// One CopyData message from the server during `START_REPLICATION` (protocol-replication.html).
public enum ReplicationStreamMessage: Hashable, Sendable {
    /// `'w'`: WAL data, here one pgoutput message.
    case xLogData(XLogData)
    /// `'k'`: the server's position; answer at once when `replyRequested`.
    case keepalive(PrimaryKeepalive)

    public struct XLogData: Hashable, Sendable {
        /// Where the WAL of this message starts.
        public var dataStart: LSN
        /// The end of WAL on the server.
        public var walEnd: LSN
        public var sendTime: ReplicationTimestamp
        public var payload: ArraySlice<UInt8>

        public init(dataStart: LSN, walEnd: LSN, sendTime: ReplicationTimestamp, payload: ArraySlice<UInt8>) {
            self.dataStart = dataStart
            self.walEnd = walEnd
            self.sendTime = sendTime
            self.payload = payload
        }
    }

    public struct PrimaryKeepalive: Hashable, Sendable {
        public var walEnd: LSN
        public var sendTime: ReplicationTimestamp
        public var replyRequested: Bool

        public init(walEnd: LSN, sendTime: ReplicationTimestamp, replyRequested: Bool) {
            self.walEnd = walEnd
            self.sendTime = sendTime
            self.replyRequested = replyRequested
        }
    }

    /// Decodes one CopyData payload; the XLogData payload is a slice of `bytes`, not a copy.
    public init(decoding bytes: ArraySlice<UInt8>) throws(WireFormatError) {
        var reader = WireReader(bytes, message: "replication stream")
        let kind = try reader.readUInt8("message kind 'w' or 'k'")
        switch kind {
        case UInt8(ascii: "w"):
            let dataStart = try reader.readLSN("Int64 WAL data start")
            let walEnd = try reader.readLSN("Int64 WAL end")
            let sendTime = try reader.readTimestamp("Int64 send time")
            self = .xLogData(
                XLogData(dataStart: dataStart, walEnd: walEnd, sendTime: sendTime, payload: bytes.suffix(reader.remainingCount)))
        case UInt8(ascii: "k"):
            let walEnd = try reader.readLSN("Int64 WAL end")
            let sendTime = try reader.readTimestamp("Int64 send time")
            let replyRequested = try reader.readByte("Byte1 reply requested (0 or 1)") { $0 <= 1 ? $0 == 1 : nil }
            try reader.expectEnd()
            self = .keepalive(PrimaryKeepalive(walEnd: walEnd, sendTime: sendTime, replyRequested: replyRequested))
        default:
            throw WireFormatError(
                message: reader.message, expected: "message kind 'w' (XLogData) or 'k' (keepalive)", offset: 0,
                found: kind.printedKind)
        }
    }

    public init(decoding bytes: [UInt8]) throws(WireFormatError) {
        try self.init(decoding: bytes[...])
    }
}

/// The client's `'r'` standby status update: what the target holds, so the slot can release WAL.
public struct StandbyStatusUpdate: Hashable, Sendable {
    /// Received (and, for pgferry, decoded) up to here.
    public var written: LSN
    /// Durably applied on the target: the slot's `confirmed_flush_lsn` follows this one.
    public var flushed: LSN
    public var applied: LSN
    public var clientTime: ReplicationTimestamp
    /// Asks the server to answer with a keepalive at once.
    public var replyRequested: Bool

    public init(
        written: LSN, flushed: LSN, applied: LSN, clientTime: ReplicationTimestamp, replyRequested: Bool = false
    ) {
        self.written = written
        self.flushed = flushed
        self.applied = applied
        self.clientTime = clientTime
        self.replyRequested = replyRequested
    }

    /// The CopyData payload: Byte1 'r', four big-endian Int64 and Byte1 reply requested.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "r")]
        bytes.reserveCapacity(34)
        for value in [written.rawValue, flushed.rawValue, applied.rawValue, UInt64(bitPattern: clientTime.rawValue)] {
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(replyRequested ? 1 : 0)
        return bytes
    }
}
