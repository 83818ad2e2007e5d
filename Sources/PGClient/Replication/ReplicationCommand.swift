/// Text of the replication protocol's commands (`CREATE_REPLICATION_SLOT`, `START_REPLICATION` …).
///
/// The walsender parses them with a grammar of its own: identifiers in double quotes and string
/// literals in single quotes, each with the quote doubled, and no `E'…'` form (so libpq's
/// `PQescapeLiteral`, which may write one, does not fit).
enum ReplicationCommand {
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    static func literal(_ value: String) -> String {
        "'" + value.replacingAll("'", with: "''") + "'"
    }

    /// A slot name as the server accepts it (`ReplicationSlotValidateName`), or an error saying so.
    static func validSlotName(_ name: String) throws -> String {
        let allowed = name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        guard allowed, (1...63).contains(name.utf8.count) else {
            throw PGError(code: .invalidConfiguration, message: "invalid replication slot name \"\(name)\": "
                + "accepted are 1 to 63 lower-case letters, digits and underscores")
        }
        return name
    }

    /// An LSN as the server writes it: `X/Y`, the high and low 32 bits in upper-case hex.
    static func lsnText(_ lsn: UInt64) -> String {
        String(lsn >> 32, radix: 16, uppercase: true) + "/" + String(lsn & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    /// `X/Y` → (X << 32) | Y; nil when the text is not an LSN.
    static func lsn(_ text: String) -> UInt64? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let high = UInt32(parts[0], radix: 16), let low = UInt32(parts[1], radix: 16) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// The LSN in column `column` of `row`, or an error naming what the server sent.
    static func lsn(_ row: QueryResult.Row, _ column: String) throws -> UInt64 {
        let text = try row.string(column)
        guard let lsn = lsn(text) else {
            throw PGError(code: .protocolViolation, message: "column \"\(column)\" holds \"\(text)\", expected an LSN (X/Y in hex)")
        }
        return lsn
    }
}
