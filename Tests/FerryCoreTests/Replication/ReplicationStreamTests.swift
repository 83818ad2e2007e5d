import FerryCore
import Testing

@Suite struct ReplicationStreamTests {
    private func bigEndian(_ value: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }

    @Test func lsnParsesAndPrintsXSlashY() throws {
        #expect(LSN("0/1517440")?.rawValue == 0x1517440)
        #expect(LSN("16/B374D848")?.rawValue == 0x16_B374_D848)
        #expect(LSN("16/b374d848") == LSN("16/B374D848"))
        #expect(LSN("0/0151A2B8") == LSN("0/151A2B8"))  // PostgreSQL 18 pads the low half
        #expect(LSN("FFFFFFFF/FFFFFFFF")?.rawValue == .max)
        #expect(LSN(rawValue: 0x16_0000_00AB).description == "16/AB")
        #expect(LSN.zero.description == "0/0")
        for invalid in ["", "/", "1/", "/1", "x/1", "123456789/0", "0/1/2", " 0/1", "0/1 ", "+1/1", "0x1/1"] {
            #expect(LSN(invalid) == nil, "\(invalid) is not an LSN")
        }
        #expect(try #require(LSN("0/FFFFFFFF")) < #require(LSN("1/0")))
    }

    @Test func timestampsCountMicrosecondsFrom2000() {
        #expect(ReplicationTimestamp(rawValue: 0).description == "2000-01-01 00:00:00.000000+00")
        #expect(ReplicationTimestamp(rawValue: -1).description == "1999-12-31 23:59:59.999999+00")
        #expect(ReplicationTimestamp(unixMicroseconds: 0).description == "1970-01-01 00:00:00.000000+00")
        // 2024-02-29 12:34:56.000789 UTC is 1709210096 s after 1970.
        let leapDay = ReplicationTimestamp(unixMicroseconds: 1_709_210_096_000_789)
        #expect(leapDay.description == "2024-02-29 12:34:56.000789+00")
        #expect(leapDay.unixMicroseconds == 1_709_210_096_000_789)
        #expect(leapDay.rawValue == 1_709_210_096_000_789 - 946_684_800_000_000)
        #expect(ReplicationTimestamp(rawValue: .max).description == "infinity")
        #expect(ReplicationTimestamp(rawValue: .min).description == "-infinity")
        #expect(ReplicationTimestamp(rawValue: .max - 1).unixMicroseconds == .max)  // saturates, never traps
        #expect(ReplicationTimestamp(rawValue: .max - 1).description.hasSuffix("+00"))
    }

    @Test func xLogDataCarriesOnePgOutputMessage() throws {
        let begin = PgOutputCapture.bytes(PgOutputCapture.text[0])
        let frame = [UInt8(ascii: "w")] + bigEndian(0x1517308) + bigEndian(0x1_0000_2000) + bigEndian(42) + begin
        guard case .xLogData(let data) = try ReplicationStreamMessage(decoding: frame) else {
            Issue.record("expected XLogData")
            return
        }
        #expect(data.dataStart == LSN("0/1517308"))
        #expect(data.walEnd == LSN("1/2000"))
        #expect(data.sendTime == ReplicationTimestamp(rawValue: 42))
        #expect(Array(data.payload) == begin)
        guard case .begin(let decoded) = try PgOutputMessage(decoding: data.payload) else {
            Issue.record("expected Begin")
            return
        }
        #expect(decoded.xid == 737)
    }

    @Test func keepaliveAsksForAReply() throws {
        let frame = [UInt8(ascii: "k")] + bigEndian(0x1518000) + bigEndian(7) + [1]
        #expect(
            try ReplicationStreamMessage(decoding: frame)
                == .keepalive(.init(walEnd: LSN("0/1518000")!, sendTime: ReplicationTimestamp(rawValue: 7), replyRequested: true)))
        for length in 0..<frame.count {
            #expect(throws: WireFormatError.self) { try ReplicationStreamMessage(decoding: frame[0..<length]) }
        }
        #expect(throws: WireFormatError.self) { try ReplicationStreamMessage(decoding: frame + [0]) }
        #expect(throws: WireFormatError.self) { try ReplicationStreamMessage(decoding: frame.dropLast() + [2]) }
        do {
            _ = try ReplicationStreamMessage(decoding: [UInt8(ascii: "d"), 0])
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "replication stream message: expected message kind 'w' (XLogData) or 'k' (keepalive) at offset 0, found 'd'")
        }
    }

    @Test func standbyStatusUpdateIsThirtyFourBigEndianBytes() {
        let update = StandbyStatusUpdate(
            written: LSN("1/20")!, flushed: LSN("1/10")!, applied: LSN("1/10")!,
            clientTime: ReplicationTimestamp(rawValue: 0x0102_0304_0506_0708), replyRequested: true)
        #expect(
            update.encoded
                == [UInt8(ascii: "r")] + bigEndian(0x1_0000_0020) + bigEndian(0x1_0000_0010) + bigEndian(0x1_0000_0010)
                + [1, 2, 3, 4, 5, 6, 7, 8] + [1])
        #expect(update.encoded.count == 34)
    }
}
