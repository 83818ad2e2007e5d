import FerryCore
import PGClient

/// What a follow run leaves on the source if it dies: a logical replication slot, which retains
/// WAL (and holds back catalog vacuum) until it is dropped, and a publication. Found and dropped
/// by name prefix, in the database connected to only (another database's slots belong to
/// another migration).
public enum ReplicationCleanup {
    /// The prefix of every slot and publication pgferry creates.
    public static let defaultPrefix = "pgferry_"

    public struct Slot: Sendable, Equatable {
        public var name: String
        /// Whether a connection streams from it now (a running follow, or one not yet timed out).
        public var active: Bool
        public var activePID: Int?
        /// WAL the slot keeps on the source's disk: current WAL position − `restart_lsn`; nil
        /// when the slot no longer has a restart position (invalidated).
        public var retainedBytes: Int64?
        /// `pg_replication_slots.wal_status`: reserved, extended, unreserved or lost.
        public var walStatus: String?
    }

    public struct Leftovers: Sendable, Equatable {
        public var slots: [Slot]
        public var publications: [String]
        /// Tables a run's `--replica-identity-full` set to FULL, which dropping the publications
        /// puts back.
        public var replicaIdentitiesToRestore: [QualifiedName] = []
    }

    public struct Report: Sendable, Equatable {
        public var droppedSlots: [Slot]
        public var droppedPublications: [String]
        /// Tables whose replica identity a run's `--replica-identity-full` had set to FULL, put back.
        public var restoredReplicaIdentities: [QualifiedName] = []
        /// Slots left alone because a connection streams from them.
        public var slotsInUse: [Slot]
    }

    /// WAL a slot keeps: the server's WAL position (replayed, on a standby) − the slot's `restart_lsn`.
    private static let retained = """
        pg_catalog.pg_wal_lsn_diff(CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
                                        ELSE pg_catalog.pg_current_wal_lsn() END, restart_lsn)::bigint
        """

    /// The WAL `slot` retains now; nil when there is no such slot or it has no restart position.
    static func retainedBytes(of slot: String, on source: PGConnection) async throws -> Int64? {
        let row = try await source.query(
            "SELECT \(unescaped: retained) AS retained FROM pg_catalog.pg_replication_slots WHERE slot_name = \(slot)").rows.first
        return try row?.decode("retained", as: Int64?.self) ?? nil
    }

    /// The slots of this database and the publications whose names start with `prefix`.
    public static func find(_ source: PGConnection, prefix: String = defaultPrefix) async throws -> Leftovers {
        try validate(prefix)
        let slots = try await source.query("""
            SELECT slot_name::text AS name, active, active_pid, wal_status,
                   \(unescaped: retained) AS retained
            FROM pg_catalog.pg_replication_slots
            WHERE database = pg_catalog.current_database() AND pg_catalog.left(slot_name::text, pg_catalog.length(\(prefix))) = \(prefix)
            ORDER BY 1
            """).rows.map { row in
            try Slot(name: row.string("name"), active: row.bool("active"), activePID: row.optionalInt("active_pid"),
                     retainedBytes: row.decode("retained", as: Int64?.self), walStatus: row.optionalString("wal_status"))
        }
        let publications = try await source.query("""
            SELECT pubname::text AS name FROM pg_catalog.pg_publication
            WHERE pg_catalog.left(pubname::text, pg_catalog.length(\(prefix))) = \(prefix) ORDER BY 1
            """).rows.map { try $0.string("name") }
        var identities: [QualifiedName] = []
        for publication in publications {
            identities += try await ReplicaIdentityChange.toRestore(publication, on: source).map(\.name)
        }
        return Leftovers(slots: slots, publications: publications, replicaIdentitiesToRestore: identities)
    }

    /// Drops what `find` finds, except slots a connection streams from: those are reported.
    public static func drop(_ source: PGConnection, prefix: String = defaultPrefix) async throws -> Report {
        let leftovers = try await find(source, prefix: prefix)
        var report = Report(droppedSlots: [], droppedPublications: [], slotsInUse: leftovers.slots.filter(\.active))
        for slot in leftovers.slots where !slot.active {
            do {
                if try await dropSlot(slot.name, on: source) { report.droppedSlots.append(slot) }  // else dropped since `find`
            } catch let error as PGError where error.sqlState == "55006" {
                report.slotsInUse.append(slot)  // a connection took it since `find`
            }
        }
        for publication in leftovers.publications {
            report.restoredReplicaIdentities += try await ReplicaIdentityChange.dropPublication(publication, on: source)
            report.droppedPublications.append(publication)
        }
        return report
    }

    /// Drops the source's replication slot `slot` through a plain connection if it exists; true
    /// when there was one. Fails (55006) while a connection streams from it.
    @discardableResult
    static func dropSlot(_ slot: String, on source: PGConnection) async throws -> Bool {
        try await source.query("""
            SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = \(slot)
            """).rows.count > 0
    }

    /// Drops the target's replication origin `origin` (a follow run's has its slot's name) if it
    /// exists; true when there was one.
    @discardableResult
    public static func dropOrigin(_ origin: String, on target: PGConnection) async throws -> Bool {
        try await target.query("""
            SELECT pg_catalog.pg_replication_origin_drop(roname) FROM pg_catalog.pg_replication_origin WHERE roname = \(origin)
            """).rows.count > 0
    }

    private static func validate(_ prefix: String) throws {
        guard !prefix.isEmpty else {
            throw FerryError("the cleanup prefix is empty, which would match every slot and publication of the database; "
                + "accepted: a non-empty name prefix such as \(defaultPrefix)")
        }
    }
}
