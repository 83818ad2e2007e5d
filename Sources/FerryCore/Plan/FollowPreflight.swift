/// Whether the source can be followed with logical decoding, decided before anything is written
/// (logical-replication.md, "Server side prerequisites" and "Publication"): every refusal names
/// the setting, role or table at fault and the fix, and they are reported together.
public enum FollowPreflight {
    /// `pg_class.relreplident`: which old values UPDATE and DELETE write to the WAL.
    public enum ReplicaIdentity: String, Sendable {
        case `default` = "d", nothing = "n", full = "f", index = "i"
    }

    /// One table a publication for the migrated schemas would hold.
    public struct Table: Sendable, Equatable {
        public var name: QualifiedName
        public var identity: ReplicaIdentity
        /// Whether the index the identity needs exists: the primary key for `default`, the
        /// chosen index for `index` (dropping it leaves the table with no identity).
        public var hasIdentityIndex: Bool

        public init(_ name: QualifiedName, identity: ReplicaIdentity, hasIdentityIndex: Bool) {
            self.name = name
            self.identity = identity
            self.hasIdentityIndex = hasIdentityIndex
        }

        /// Once published for updates and deletes, the source's own UPDATE and DELETE on a table
        /// without an identity fail ("cannot update table … because it does not have a replica
        /// identity and publishes updates").
        public var hasReplicaIdentity: Bool {
            identity == .full || (identity != .nothing && hasIdentityIndex)
        }

        var missingIdentity: String {
            switch identity {
            case .default: "no primary key"
            case .nothing: "REPLICA IDENTITY NOTHING"
            case .index: "its REPLICA IDENTITY index is gone"
            case .full: "REPLICA IDENTITY FULL"
            }
        }
    }

    /// What the source reports about itself and the connecting role.
    public struct SourceFacts: Sendable, Equatable {
        public var walLevel: String
        public var maxReplicationSlots: Int
        public var replicationSlotsInUse: Int
        public var maxWALSenders: Int
        public var walSendersInUse: Int
        public var role: String
        public var roleIsSuperuser: Bool
        public var roleHasReplication: Bool
        /// The permanent tables and partitions of the migrated schemas: what a publication holds
        /// (unlogged and temporary tables are never published; a partitioned table's rows are
        /// written to its partitions, which carry their own identity).
        public var tables: [Table]

        public init(walLevel: String, maxReplicationSlots: Int, replicationSlotsInUse: Int, maxWALSenders: Int,
                    walSendersInUse: Int, role: String, roleIsSuperuser: Bool, roleHasReplication: Bool, tables: [Table]) {
            self.walLevel = walLevel
            self.maxReplicationSlots = maxReplicationSlots
            self.replicationSlotsInUse = replicationSlotsInUse
            self.maxWALSenders = maxWALSenders
            self.walSendersInUse = walSendersInUse
            self.role = role
            self.roleIsSuperuser = roleIsSuperuser
            self.roleHasReplication = roleHasReplication
            self.tables = tables
        }
    }

    public enum Refusal: Sendable, Equatable, CustomStringConvertible {
        case walLevel(String)
        case noFreeReplicationSlot(max: Int, inUse: Int)
        case noFreeWALSender(max: Int, inUse: Int)
        case noReplicationAttribute(role: String)
        case noReplicaIdentity([Table])

        public var description: String {
            switch self {
            case .walLevel(let level):
                return "wal_level is \(level) on the source and follow mode needs logical: "
                    + "ALTER SYSTEM SET wal_level = logical, then restart the source server"
            case .noFreeReplicationSlot(let max, let inUse):
                return "the source has no free replication slot (max_replication_slots = \(max), \(inUse) in use): "
                    + "drop an unused slot (SELECT pg_drop_replication_slot('…')) or raise max_replication_slots and restart the server"
            case .noFreeWALSender(let max, let inUse):
                return "the source has no free WAL sender (max_wal_senders = \(max), \(inUse) in use): "
                    + "end an unused replication connection or raise max_wal_senders and restart the server"
            case .noReplicationAttribute(let role):
                return "role \(role) may not open a replication connection: ALTER ROLE \(SQL.identifier(role)) REPLICATION "
                    + "(or connect as a superuser)"
            case .noReplicaIdentity(let tables):
                return "once published, UPDATE and DELETE on these source tables would fail because they have no replica identity: "
                    + tables.map { "\($0.name) (\($0.missingIdentity))" }.joined(separator: ", ")
                    + "; give each a primary key, or run again with --replica-identity-full (API \"replicaIdentityFull\": true) "
                    + "to have pgferry set REPLICA IDENTITY FULL on exactly these tables for the run and put each back at "
                    + "cutover, or run " + tables.map { "ALTER TABLE \($0.name) REPLICA IDENTITY FULL" }.joined(separator: "; ")
                    + " yourself, or exclude their data (excluded tables are not published)"
            }
        }
    }

    /// Every reason the source cannot be followed; empty when it can. Tables whose data is
    /// excluded are not published, so their identity does not matter.
    /// - Parameter settingFullIdentity: `--replica-identity-full`: tables without a replica
    ///   identity are not refused (the run gives them FULL).
    public static func refusals(_ facts: SourceFacts, excluding excluded: Set<QualifiedName> = [],
                                settingFullIdentity: Bool = false) -> [Refusal] {
        var refusals: [Refusal] = []
        if facts.walLevel != "logical" { refusals.append(.walLevel(facts.walLevel)) }
        if facts.replicationSlotsInUse >= facts.maxReplicationSlots {
            refusals.append(.noFreeReplicationSlot(max: facts.maxReplicationSlots, inUse: facts.replicationSlotsInUse))
        }
        if facts.walSendersInUse >= facts.maxWALSenders {
            refusals.append(.noFreeWALSender(max: facts.maxWALSenders, inUse: facts.walSendersInUse))
        }
        if !facts.roleIsSuperuser && !facts.roleHasReplication { refusals.append(.noReplicationAttribute(role: facts.role)) }
        let withoutIdentity = tablesWithoutIdentity(facts, excluding: excluded)
        if !withoutIdentity.isEmpty && !settingFullIdentity { refusals.append(.noReplicaIdentity(withoutIdentity)) }
        return refusals
    }

    /// The published tables whose UPDATE and DELETE would fail for want of a replica identity.
    public static func tablesWithoutIdentity(_ facts: SourceFacts, excluding excluded: Set<QualifiedName> = []) -> [Table] {
        facts.tables.filter { !excluded.contains($0.name) && !$0.hasReplicaIdentity }.sorted { $0.name < $1.name }
    }
}
