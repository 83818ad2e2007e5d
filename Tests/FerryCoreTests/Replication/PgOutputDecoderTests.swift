import FerryCore
import Testing

/// Every message kind and value kind, decoded from bytes a real server sent (PgOutputCapture).
@Suite struct PgOutputDecoderTests {
    let text: [PgOutputMessage]
    let binary: [PgOutputMessage]

    init() throws {
        text = try PgOutputCapture.messages(PgOutputCapture.text)
        binary = try PgOutputCapture.messages(PgOutputCapture.binary)
    }

    private func t(_ string: String) -> TupleValue { .text(Array(string.utf8)) }

    @Test func beginAndCommitCarryTheSameLSNAndTime() throws {
        guard case .begin(let begin) = text[0], case .commit(let commit) = text[5] else {
            Issue.record("expected Begin at 0 and Commit at 5, got \(text[0]) and \(text[5])")
            return
        }
        #expect(begin.xid == 737)
        #expect(begin.finalLSN == LSN("0/1517440"))
        #expect(commit.commitLSN == begin.finalLSN)
        #expect(commit.endLSN == LSN("0/1517470"))
        #expect(commit.flags == 0)
        #expect(commit.commitTime == begin.commitTime)
        #expect(begin.commitTime.description == "2026-12-01 02:43:07.682126+00")
    }

    @Test func typeMessageNamesAnEnum() {
        #expect(text[1] == .type(.init(oid: 16386, namespace: "s", name: "mood")))
    }

    @Test func relationMessageListsPublishedColumnsWithoutTheGeneratedOne() throws {
        guard case .relation(let items) = text[2] else {
            Issue.record("expected a Relation, got \(text[2])")
            return
        }
        #expect(items.id == 16391)
        #expect(items.namespace == "s")
        #expect(items.name == "items")
        #expect(items.replicaIdentity == .default)
        #expect(items.columns.map(\.name) == ["id", "name", "doc", "flag", "mood", "total"])
        #expect(items.columns.map(\.isKey) == [true, false, false, false, false, false])
        #expect(items.columns.map(\.typeOID) == [23, 25, 3802, 16, 16386, 1700])
        #expect(items.columns.map(\.typeModifier) == [-1, -1, -1, -1, -1, (10 << 16 | 2) + 4])
        guard case .relation(let everything) = text[14] else {
            Issue.record("expected a Relation, got \(text[14])")
            return
        }
        #expect(everything.replicaIdentity == .full)
        #expect(everything.columns.map(\.isKey) == [true, true])
    }

    @Test func insertCarriesTextValuesAndNulls() {
        #expect(
            text[3]
                == .insert(
                    .init(relationID: 16391, newTuple: TupleData([t("1"), t("it's"), t("{\"a\": 1}"), t("t"), t("happy"), t("12.50")]))))
        #expect(
            text[4] == .insert(.init(relationID: 16391, newTuple: TupleData([t("2"), .null, .null, t("f"), .null, .null]))))
    }

    @Test func binaryValuesAreTheSendFormat() {
        let numeric1250: [UInt8] = [0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x13, 0x88]  // ndigits 2, weight 0, dscale 2: 12|5000
        let jsonbVersion1: [UInt8] = [1] + Array("{\"a\": 1}".utf8)
        #expect(
            binary[3]
                == .insert(
                    .init(
                        relationID: 16391,
                        newTuple: TupleData([
                            .binary([0, 0, 0, 1]), .binary(Array("it's".utf8)), .binary(jsonbVersion1), .binary([1]),
                            .binary(Array("happy".utf8)), .binary(numeric1250),
                        ]))))
    }

    @Test func updateOfANonToastColumnLeavesTheToastedOneUnchanged() {
        #expect(
            text[7]
                == .update(
                    .init(
                        relationID: 16391, oldTuple: nil,
                        newTuple: TupleData([t("100"), t("bigger"), .unchangedToast, .null, .null, .null]))))
    }

    @Test func keyChangeSendsTheOldKeyAndDeleteSendsTheKey() {
        #expect(
            text[10]
                == .update(
                    .init(
                        relationID: 16391, oldTuple: .key(TupleData([t("2"), .null, .null, .null, .null, .null])),
                        newTuple: TupleData([t("3"), .null, .null, t("f"), .null, .null]))))
        #expect(
            text[11] == .delete(.init(relationID: 16391, oldTuple: .key(TupleData([t("1"), .null, .null, .null, .null, .null])))))
    }

    @Test func replicaIdentityFullSendsTheWholeOldRow() {
        #expect(
            text[15]
                == .update(.init(relationID: 16399, oldTuple: .full(TupleData([t("1"), t("one")])), newTuple: TupleData([t("1"), t("uno")]))))
        #expect(text[18] == .delete(.init(relationID: 16399, oldTuple: .full(TupleData([t("2"), .null])))))
    }

    @Test func truncateCarriesCascadeAndRestartIdentity() {
        #expect(text[23] == .truncate(.init(options: [.cascade, .restartIdentity], relationIDs: [16405, 16413])))
    }

    @Test func logicalMessagesTransactionalAndNot() {
        #expect(
            text[26]
                == .message(.init(isTransactional: true, lsn: LSN("0/1518DC0")!, prefix: "pgferry", content: Array("marker-1".utf8))))
        #expect(
            text[28] == .message(.init(isTransactional: false, lsn: LSN("0/1518E30")!, prefix: "pgferry", content: Array("now".utf8))))
    }

    @Test func originFollowsBegin() throws {
        #expect(text[30] == .origin(.init(commitLSN: LSN("0/ABCDEF")!, name: "pgferry_test")))
        guard case .begin(let begin) = text[29] else {
            Issue.record("expected a Begin, got \(text[29])")
            return
        }
        // The origin's commit time, set by pg_replication_origin_xact_setup.
        #expect(begin.commitTime.description == "2026-01-01 00:00:00.000000+00")
    }

    @Test func emptyNamespaceMeansPgCatalog() throws {
        // A Type message with namespace "" and name "x", built by hand.
        let bytes: [UInt8] = [UInt8(ascii: "Y"), 0, 0, 0, 42, 0, UInt8(ascii: "x"), 0]
        #expect(try PgOutputMessage(decoding: bytes) == .type(.init(oid: 42, namespace: "pg_catalog", name: "x")))
    }

    private func decodingError(_ bytes: ArraySlice<UInt8>) -> String? {
        do {
            _ = try PgOutputMessage(decoding: bytes)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func errorsSayWhatWasExpectedWhere() {
        #expect(
            decodingError([UInt8(ascii: "S"), 0, 0, 0, 1])
                == "pgoutput message: expected a protocol 1 message kind (B, C, O, R, Y, I, U, D, T or M) at offset 0, found 'S'")
        // An Insert cut inside its first column's length.
        let insert = PgOutputCapture.bytes(PgOutputCapture.text[3])
        #expect(
            decodingError(insert[0..<16])
                == "pgoutput Insert message: expected Int32 column length at offset 15, found end of data (1 bytes left)")
        #expect(
            decodingError(insert[0..<11])
                == "pgoutput Insert message: expected Int16 number of columns between 0 and 3 (the bytes left) at offset 6, found 6")
        #expect(
            decodingError(PgOutputCapture.bytes(PgOutputCapture.text[5])[...] + [0])
                == "pgoutput Commit message: expected end of message at offset 26, found 1 more bytes")
        var badKind = insert
        badKind[8] = UInt8(ascii: "x")
        #expect(
            decodingError(badKind[...]) == "pgoutput Insert message: expected column kind n, u, t or b at offset 8, found 'x'")
        var negative = insert
        negative.replaceSubrange(9..<13, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(
            decodingError(negative[...])
                == "pgoutput Insert message: expected Int32 column length between 0 and \(insert.count - 13) (the bytes left) at offset 9, found -1")
        var hugeCount = PgOutputCapture.bytes(PgOutputCapture.text[23])  // Truncate of 2 relations
        hugeCount[1] = 0x7F
        #expect(
            decodingError(hugeCount[...])
                == "pgoutput Truncate message: expected Int32 number of relations between 0 and 2 (the bytes left) at offset 1, found 2130706434")
    }

    @Test func everyTruncationThrowsAndNoCorruptionTraps() throws {
        var generator = SplitMix64(seed: 0x5EED)
        for hex in PgOutputCapture.text + PgOutputCapture.binary {
            let bytes = PgOutputCapture.bytes(hex)
            for length in 0..<bytes.count {
                #expect(throws: WireFormatError.self) { try PgOutputMessage(decoding: bytes[0..<length]) }
            }
            // Random corruption: decodes or throws, never traps nor reads out of bounds.
            for _ in 0..<200 {
                var corrupt = bytes
                for _ in 0...Int(generator.next() % 3) {
                    corrupt[Int(generator.next() % UInt64(corrupt.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                _ = try? PgOutputMessage(decoding: corrupt[1...])  // a slice not starting at 0, too
                _ = try? PgOutputMessage(decoding: corrupt)
            }
        }
        for _ in 0..<5000 {
            let random = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? PgOutputMessage(decoding: random)
            _ = try? ReplicationStreamMessage(decoding: random)
        }
    }
}

/// A small seeded generator, so a fuzz failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
