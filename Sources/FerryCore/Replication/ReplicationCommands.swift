/// The SQL of follow mode: publications and replication origins (the replication-protocol
/// commands are `PGReplicationConnection`'s).
///
/// `serverVersion` is `server_version_num` (150004 for 15.4).
public enum ReplicationCommands {
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

}
