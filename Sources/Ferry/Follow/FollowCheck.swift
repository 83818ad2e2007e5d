import FerryCore
import PGClient

/// Reads from the source what `FollowPreflight` decides on, and refuses a source that cannot be
/// followed before anything is created or written.
enum FollowCheck {
    /// Throws one `FerryError` naming every refusal and its fix.
    /// - Parameter excluded: tables whose data is excluded; they are not published.
    /// - Parameter settingFullIdentity: `--replica-identity-full`: a table without a replica
    ///   identity is no refusal.
    /// - Returns: the published tables without a replica identity (empty unless `settingFullIdentity`).
    @discardableResult
    static func run(_ source: PGConnection, schemas: [String], excluding excluded: Set<QualifiedName> = [],
                    settingFullIdentity: Bool = false) async throws -> [FollowPreflight.Table] {
        let facts = try await facts(source, schemas: schemas)
        let refusals = FollowPreflight.refusals(facts, excluding: excluded, settingFullIdentity: settingFullIdentity)
        guard refusals.isEmpty else {
            throw FerryError("the source cannot be followed: " + refusals.map(\.description).joined(separator: "; "))
        }
        return FollowPreflight.tablesWithoutIdentity(facts, excluding: excluded)
    }

    /// The settings, the connecting role and the publishable tables of `schemas`.
    ///
    /// WAL senders in use are counted in `pg_stat_activity`, which shows another role's
    /// sessions only to members of `pg_read_all_stats`: a role without it may see fewer, and then
    /// the replication connection itself fails with the server's "exceeds max_wal_senders".
    static func facts(_ source: PGConnection, schemas: [String]) async throws -> FollowPreflight.SourceFacts {
        // The replication connection logs in as the session user; REPLICATION is not inherited.
        let server = try await source.query("""
            SELECT pg_catalog.current_setting('wal_level') AS wal_level,
                   pg_catalog.current_setting('max_replication_slots')::int AS max_slots,
                   (SELECT count(*) FROM pg_catalog.pg_replication_slots) AS slots_in_use,
                   pg_catalog.current_setting('max_wal_senders')::int AS max_senders,
                   (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'walsender') AS senders_in_use,
                   r.rolname, r.rolsuper, r.rolreplication
            FROM pg_catalog.pg_roles r WHERE r.rolname = session_user
            """).rows[0]
        let tables = try await source.query("""
            SELECT n.nspname, c.relname, c.relreplident::text AS identity,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                           WHERE i.indrelid = c.oid AND i.indislive
                             AND CASE c.relreplident WHEN 'd' THEN i.indisprimary WHEN 'i' THEN i.indisreplident
                                 ELSE false END) AS has_identity_index
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(\(schemas)) AND c.relkind = 'r' AND c.relpersistence = 'p'
            ORDER BY 1, 2
            """).rows.map { row in
            let identity = try row.string("identity")
            guard let replicaIdentity = FollowPreflight.ReplicaIdentity(rawValue: identity) else {
                throw FerryError("table \(try row.string("nspname")).\(try row.string("relname")) has replica identity "
                    + "\"\(identity)\", which pgferry does not know (known: d, n, f, i)")
            }
            return FollowPreflight.Table(QualifiedName(try row.string("nspname"), try row.string("relname")),
                                         identity: replicaIdentity, hasIdentityIndex: try row.bool("has_identity_index"))
        }
        return try FollowPreflight.SourceFacts(
            walLevel: server.string("wal_level"), maxReplicationSlots: server.int("max_slots"),
            replicationSlotsInUse: server.int("slots_in_use"), maxWALSenders: server.int("max_senders"),
            walSendersInUse: server.int("senders_in_use"), role: server.string("rolname"),
            roleIsSuperuser: server.bool("rolsuper"), roleHasReplication: server.bool("rolreplication"), tables: tables)
    }
}
