/// The SQL and replication-protocol commands of follow mode, per server version.
///
/// `serverVersion` is `server_version_num` (150004 for 15.4).
public enum ReplicationCommands {
    /// A slot name or publication list PostgreSQL would refuse.
    public struct InvalidArgument: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// What a publication publishes: pgferry applies all four, through partition roots.
    static let publicationOptions = "WITH (publish = 'insert, update, delete, truncate', publish_via_partition_root = true)"

    /// `CREATE PUBLICATION` for the tables of `schema` pgferry copies.
    ///
    /// On 15+ with no table excluded, `FOR TABLES IN SCHEMA`, which also covers tables created
    /// later; otherwise (14, or some table excluded) a `FOR TABLE` list. No table at all publishes
    /// nothing, which is valid.
    /// - Parameters:
    ///   - tables: the copied tables (ordinary and partitioned) of `schema`.
    ///   - excludesTables: true when some table of `schema` is left out.
    public static func createPublication(
        _ publication: String, schema: String, tables: [String], excludesTables: Bool, serverVersion: Int
    ) -> String {
        let head = "CREATE PUBLICATION \(SQL.identifier(publication))"
        if serverVersion >= 150000 && !excludesTables {
            return "\(head) FOR TABLES IN SCHEMA \(SQL.identifier(schema)) \(publicationOptions)"
        }
        if tables.isEmpty { return "\(head) \(publicationOptions)" }
        let list = tables.sorted().map { SQL.qualified(schema, $0) }.joined(separator: ", ")
        return "\(head) FOR TABLE \(list) \(publicationOptions)"
    }

    public static func dropPublication(_ publication: String) -> String {
        "DROP PUBLICATION IF EXISTS \(SQL.identifier(publication))"
    }

    /// A slot name as PostgreSQL accepts it (`ReplicationSlotValidateName`): 1 to 63 lower-case
    /// letters, digits and underscores.
    public static func validateSlotName(_ slot: String) throws(InvalidArgument) {
        let valid =
            (1...63).contains(slot.utf8.count)
            && slot.utf8.allSatisfy {
                $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
        guard valid else {
            throw InvalidArgument(
                description: "replication slot name \"\(slot)\" is not valid: use 1 to 63 lower-case letters, digits and underscores")
        }
    }

    /// `CREATE_REPLICATION_SLOT` on a `replication=database` connection, exporting the snapshot
    /// the copy reads (15+ option list; `EXPORT_SNAPSHOT` before). Returns slot_name,
    /// consistent_point, snapshot_name, output_plugin.
    public static func createReplicationSlot(_ slot: String, serverVersion: Int) throws(InvalidArgument) -> String {
        try validateSlotName(slot)
        let head = "CREATE_REPLICATION_SLOT \(SQL.identifier(slot)) LOGICAL pgoutput"
        return serverVersion >= 150000 ? "\(head) (SNAPSHOT 'export')" : "\(head) EXPORT_SNAPSHOT"
    }

    /// `START_REPLICATION` with pgoutput protocol 1.
    /// - Parameters:
    ///   - binary: values in send/recv form (14+; the target must run the same major version).
    ///   - messages: also decode `pg_logical_emit_message` (14+).
    public static func startReplication(
        _ slot: String, from start: LSN, publications: [String], binary: Bool = false, messages: Bool = true
    ) throws(InvalidArgument) -> String {
        try validateSlotName(slot)
        guard !publications.isEmpty else { throw InvalidArgument(description: "START_REPLICATION needs at least one publication") }
        // publication_names is one string holding an identifier list (SplitIdentifierString).
        var options = ["proto_version '1'", "publication_names \(SQL.literal(SQL.identifierList(publications)))"]
        if binary { options.append("binary 'true'") }
        if messages { options.append("messages 'true'") }
        return "START_REPLICATION SLOT \(SQL.identifier(slot)) LOGICAL \(start) (\(options.joined(separator: ", ")))"
    }

    /// Creates the replication origin that records the target's progress (once per follow run).
    public static func createOrigin(_ origin: String) -> ApplyStatement {
        ApplyStatement(sql: "SELECT pg_catalog.pg_replication_origin_create($1)", parameters: [.text(Array(origin.utf8))])
    }

    /// Binds the apply session to the origin: its commits then advance the origin.
    public static func setUpOriginSession(_ origin: String) -> ApplyStatement {
        ApplyStatement(
            sql: "SELECT pg_catalog.pg_replication_origin_session_setup($1)", parameters: [.text(Array(origin.utf8))])
    }

    /// Inside the target transaction of `transaction`, before COMMIT: the origin's progress moves
    /// to its commit LSN in the same commit, so a restart resumes exactly after it.
    public static func recordOriginProgress(of transaction: ReplicatedTransaction) -> ApplyStatement {
        ApplyStatement(
            sql: "SELECT pg_catalog.pg_replication_origin_xact_setup($1::pg_catalog.pg_lsn, $2::pg_catalog.timestamptz)",
            parameters: [.text(Array(transaction.commitLSN.description.utf8)), .text(Array(transaction.commitTime.description.utf8))])
    }

    /// The last source commit the target durably applied (NULL before the first), as `X/Y`.
    public static func originProgress(_ origin: String) -> ApplyStatement {
        ApplyStatement(
            sql: "SELECT pg_catalog.pg_replication_origin_progress($1, true)", parameters: [.text(Array(origin.utf8))])
    }

    public static func dropOrigin(_ origin: String) -> ApplyStatement {
        ApplyStatement(sql: "SELECT pg_catalog.pg_replication_origin_drop($1)", parameters: [.text(Array(origin.utf8))])
    }
}
