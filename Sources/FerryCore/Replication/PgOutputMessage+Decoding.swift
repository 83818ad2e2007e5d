extension PgOutputMessage {
    /// Decodes one pgoutput message (an XLogData payload, or a row of
    /// `pg_logical_slot_peek_binary_changes`). Throws on anything protocol 1 does not allow,
    /// including trailing bytes; never reads past the end.
    public init(decoding bytes: ArraySlice<UInt8>) throws(WireFormatError) {
        var probe = WireReader(bytes, message: "pgoutput")
        let (kind, name) = try probe.readByte("a protocol 1 message kind (B, C, O, R, Y, I, U, D, T or M)") { kind in
            Self.kindNames[kind].map { (kind, $0) }
        }
        var reader = WireReader(bytes.dropFirst(), message: "pgoutput \(name)", startOffset: 1)
        switch kind {
        case UInt8(ascii: "B"):
            self = .begin(
                Begin(
                    finalLSN: try reader.readLSN("Int64 final LSN"),
                    commitTime: try reader.readTimestamp("Int64 commit timestamp"),
                    xid: try reader.readInteger("Int32 xid")))
        case UInt8(ascii: "C"):
            self = .commit(
                Commit(
                    flags: try reader.readUInt8("Int8 flags"),
                    commitLSN: try reader.readLSN("Int64 commit LSN"),
                    endLSN: try reader.readLSN("Int64 end LSN"),
                    commitTime: try reader.readTimestamp("Int64 commit timestamp")))
        case UInt8(ascii: "O"):
            self = .origin(Origin(commitLSN: try reader.readLSN("Int64 origin LSN"), name: try reader.readString("origin name")))
        case UInt8(ascii: "R"):
            self = .relation(try Self.readRelation(&reader))
        case UInt8(ascii: "Y"):
            self = .type(
                TypeDescription(
                    oid: try reader.readInteger("Int32 type oid"),
                    namespace: Self.resolvedNamespace(try reader.readString("type namespace")),
                    name: try reader.readString("type name")))
        case UInt8(ascii: "I"):
            let relationID: UInt32 = try reader.readInteger("Int32 relation oid")
            try Self.readMarker(&reader, "Byte1 'N' (new tuple)", allowed: [UInt8(ascii: "N")])
            self = .insert(Insert(relationID: relationID, newTuple: try Self.readTuple(&reader)))
        case UInt8(ascii: "U"):
            let relationID: UInt32 = try reader.readInteger("Int32 relation oid")
            let marker = try Self.readMarker(
                &reader, "Byte1 'K' (old key), 'O' (old tuple) or 'N' (new tuple)",
                allowed: [UInt8(ascii: "K"), UInt8(ascii: "O"), UInt8(ascii: "N")])
            var oldTuple: OldTuple?
            if marker != UInt8(ascii: "N") {
                oldTuple = try Self.readOldTuple(&reader, marker: marker)
                try Self.readMarker(&reader, "Byte1 'N' (new tuple)", allowed: [UInt8(ascii: "N")])
            }
            self = .update(Update(relationID: relationID, oldTuple: oldTuple, newTuple: try Self.readTuple(&reader)))
        case UInt8(ascii: "D"):
            let relationID: UInt32 = try reader.readInteger("Int32 relation oid")
            let marker = try Self.readMarker(
                &reader, "Byte1 'K' (old key) or 'O' (old tuple)", allowed: [UInt8(ascii: "K"), UInt8(ascii: "O")])
            self = .delete(Delete(relationID: relationID, oldTuple: try Self.readOldTuple(&reader, marker: marker)))
        case UInt8(ascii: "T"):
            let count = try reader.readCount("Int32 number of relations", as: Int32.self, minimumElementSize: 4)
            let options = Truncate.Options(rawValue: try reader.readUInt8("Int8 options"))
            var relationIDs: [UInt32] = []
            relationIDs.reserveCapacity(count)
            for _ in 0..<count { relationIDs.append(try reader.readInteger("Int32 relation oid")) }
            self = .truncate(Truncate(options: options, relationIDs: relationIDs))
        default:  // 'M': kindNames admits no other kind
            let flags = try reader.readUInt8("Int8 flags")
            let lsn = try reader.readLSN("Int64 message LSN")
            let prefix = try reader.readString("message prefix")
            let length = try reader.readCount("Int32 content length", as: Int32.self, minimumElementSize: 1)
            let content = try reader.readBytes(length, "message content")
            self = .message(LogicalMessage(isTransactional: flags & 1 == 1, lsn: lsn, prefix: prefix, content: content))
        }
        try reader.expectEnd()
    }

    public init(decoding bytes: [UInt8]) throws(WireFormatError) {
        try self.init(decoding: bytes[...])
    }

    private static let kindNames: [UInt8: String] = [
        UInt8(ascii: "B"): "Begin", UInt8(ascii: "C"): "Commit", UInt8(ascii: "O"): "Origin",
        UInt8(ascii: "R"): "Relation", UInt8(ascii: "Y"): "Type", UInt8(ascii: "I"): "Insert",
        UInt8(ascii: "U"): "Update", UInt8(ascii: "D"): "Delete", UInt8(ascii: "T"): "Truncate",
        UInt8(ascii: "M"): "Message",
    ]

    private static let columnKinds: Set<UInt8> = [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "t"), UInt8(ascii: "b")]

    private static func resolvedNamespace(_ wire: String) -> String { wire.isEmpty ? "pg_catalog" : wire }

    @discardableResult
    private static func readMarker(_ reader: inout WireReader, _ expected: String, allowed: [UInt8]) throws(WireFormatError)
        -> UInt8
    {
        try reader.readByte(expected) { allowed.contains($0) ? $0 : nil }
    }

    private static func readOldTuple(_ reader: inout WireReader, marker: UInt8) throws(WireFormatError) -> OldTuple {
        let tuple = try readTuple(&reader)
        return marker == UInt8(ascii: "K") ? .key(tuple) : .full(tuple)
    }

    private static func readRelation(_ reader: inout WireReader) throws(WireFormatError) -> Relation {
        let id: UInt32 = try reader.readInteger("Int32 relation oid")
        let namespace = resolvedNamespace(try reader.readString("relation namespace"))
        let name = try reader.readString("relation name")
        let replicaIdentity = try reader.readByte("Int8 replica identity (d, n, f or i)", ReplicaIdentity.init(rawValue:))
        // Each column takes at least flags, an empty name's NUL, type oid and modifier: 10 bytes.
        let count = try reader.readCount("Int16 number of columns", as: Int16.self, minimumElementSize: 10)
        var columns: [Relation.Column] = []
        columns.reserveCapacity(count)
        for _ in 0..<count {
            let flags = try reader.readUInt8("Int8 column flags")
            columns.append(
                Relation.Column(
                    name: try reader.readString("column name"), isKey: flags & 1 == 1,
                    typeOID: try reader.readInteger("Int32 column type oid"),
                    typeModifier: try reader.readInteger("Int32 column type modifier")))
        }
        return Relation(id: id, namespace: namespace, name: name, replicaIdentity: replicaIdentity, columns: columns)
    }

    private static func readTuple(_ reader: inout WireReader) throws(WireFormatError) -> TupleData {
        let count = try reader.readCount("Int16 number of columns", as: Int16.self, minimumElementSize: 1)
        var values: [TupleValue] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            let kind = try reader.readByte("column kind n, u, t or b") { Self.columnKinds.contains($0) ? $0 : nil }
            switch kind {
            case UInt8(ascii: "n"): values.append(.null)
            case UInt8(ascii: "u"): values.append(.unchangedToast)
            default:
                let length = try reader.readCount("Int32 column length", as: Int32.self, minimumElementSize: 1)
                let value = try reader.readBytes(length, "column value")
                values.append(kind == UInt8(ascii: "t") ? .text(value) : .binary(value))
            }
        }
        return TupleData(values)
    }
}
