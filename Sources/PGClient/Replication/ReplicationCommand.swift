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
}
