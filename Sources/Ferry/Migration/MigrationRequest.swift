import Foundation

/// What to migrate, from where to where, and how.
public struct MigrationRequest: Sendable {
    public var source: ConnectionConfiguration
    public var target: ConnectionConfiguration
    public var schemas: [String]
    /// Tables (`name` or `schema.name`) whose DDL is created but whose rows are not copied.
    public var excludeTableData: [String]
    /// Names `excludeTableData` may hold although the schema has no such table (an API's fixed
    /// list, such as the HTTP API's), skipped instead of refused.
    public var toleratedExclusions: [String]
    /// Tables copied at once; each uses one source and one target connection.
    public var jobs: Int
    public var format: FormatPolicy
    public var orphanPolicy: OrphanPolicy
    /// Recreate owners and grants (off by default, like pg_dump's `--no-owner --no-privileges`).
    public var includeOwnership: Bool
    /// Rows are coalesced into chunks of at least this many bytes before entering the ring.
    public var chunkSize: Int
    /// Bytes a table's ring holds before the reader waits: memory is about `jobs × ringCapacity`.
    public var ringCapacity: Int
    /// A table at least this large and larger than its share (all bytes / jobs) is copied in
    /// `jobs` block-range slices at once (sources on PostgreSQL 14+). Off by default.
    public var sliceMinimumBytes: Int64
    /// Planner statistics on the target: nil restores the source's on PostgreSQL 18+ targets and
    /// runs ANALYZE on older ones (`StatisticsMode.preferred`).
    public var statistics: StatisticsMode?
    /// A COPY stream (or its start) that moves no byte for this long fails the run; nil: no limit.
    public var stallTimeout: Duration?
    /// Let `DROP SCHEMA … CASCADE` on the target also drop objects of other schemas that depend on
    /// the schema (views, foreign keys, columns of its types…). Off: the run refuses and names them.
    public var dropDependents: Bool
    /// How long the target's `DROP SCHEMA` waits for other sessions' locks before the run fails
    /// naming them; zero waits without limit.
    public var dropLockTimeout: Duration
    /// Copy the source database's large objects too (database-wide: `pg_dump -n` leaves them out).
    public var largeObjects: Bool
    /// Compare the schemas at the end (`pgferry compare`) and fail the run on a difference that
    /// was not announced beforehand.
    public var compareAfterwards: Bool
    /// Copy from a logical replication slot's snapshot, then apply the source's changes until
    /// cutover (`followUntil`, or `Migration.cutover()`).
    public var follow: Bool
    /// Where a follow run cuts over by itself; nil: when `Migration.cutover()` asks.
    public var followUntil: FollowEnd?
    /// At cutover, compare an md5 over every table's rows too, not only row counts (reads every
    /// row on both sides while the source may be taking writes again).
    public var cutoverChecksums: Bool
    /// At cutover, refresh on the target the materialized views the source has populated (no
    /// publication carries them), after the last change and in dependency order.
    public var refreshMaterializedViews: Bool
    /// Give the tables that follow mode refuses for want of a replica identity `REPLICA IDENTITY
    /// FULL` on the source for the run, and put each back as it was at cutover, abort or cleanup.
    public var replicaIdentityFull: Bool
    /// Create on the target the roles the schema names (owners, grantees, policy roles) and the
    /// roles they are members of, with their attributes, role-wide settings and memberships,
    /// where it lacks them. Roles are cluster-wide: one present is left as it is.
    public var roles: Bool
    /// With `roles`: move each created role's password hash (the source role must read `pg_authid`).
    public var rolePasswords: Bool
    /// Create what the schemas need that `pg_dump -n` would not carry either: the roles (as
    /// `roles`) and the extensions outside the schemas that objects inside use.
    public var createPrerequisites: Bool
    /// A whole-database move (`--all-schemas`, with `schemas` every schema `DatabaseSchemas.all`
    /// names): also what pg_dump without `-n` carries outside the schemas (languages, casts,
    /// foreign-data wrappers, servers and user mappings, access methods, publications, event
    /// triggers, the database's comment and settings, default privileges naming no schema).
    public var wholeDatabase: Bool

    public init(source: ConnectionConfiguration, target: ConnectionConfiguration, schemas: [String],
                excludeTableData: [String] = [], toleratedExclusions: [String] = [],
                jobs: Int = MigrationRequest.defaultJobs, format: FormatPolicy = .auto,
                orphanPolicy: OrphanPolicy = .notValid, includeOwnership: Bool = false,
                chunkSize: Int = MigrationRequest.defaultChunkSize, ringCapacity: Int = MigrationRequest.defaultRingCapacity,
                sliceMinimumBytes: Int64 = MigrationRequest.defaultSliceMinimumBytes, statistics: StatisticsMode? = nil,
                stallTimeout: Duration? = MigrationRequest.defaultStallTimeout,
                dropDependents: Bool = false, dropLockTimeout: Duration = MigrationRequest.defaultDropLockTimeout,
                largeObjects: Bool = false, compareAfterwards: Bool = true, follow: Bool = false,
                followUntil: FollowEnd? = nil, cutoverChecksums: Bool = false, refreshMaterializedViews: Bool = true,
                replicaIdentityFull: Bool = false, roles: Bool = false, rolePasswords: Bool = false,
                createPrerequisites: Bool = false, wholeDatabase: Bool = false) {
        self.source = source
        self.target = target
        self.schemas = schemas
        self.excludeTableData = excludeTableData
        self.toleratedExclusions = toleratedExclusions
        self.jobs = jobs
        self.format = format
        self.orphanPolicy = orphanPolicy
        self.includeOwnership = includeOwnership
        self.chunkSize = chunkSize
        self.ringCapacity = ringCapacity
        self.sliceMinimumBytes = sliceMinimumBytes
        self.statistics = statistics
        self.stallTimeout = stallTimeout
        self.dropDependents = dropDependents
        self.dropLockTimeout = dropLockTimeout
        self.largeObjects = largeObjects
        self.compareAfterwards = compareAfterwards
        self.follow = follow
        self.followUntil = followUntil
        self.cutoverChecksums = cutoverChecksums
        self.refreshMaterializedViews = refreshMaterializedViews
        self.replicaIdentityFull = replicaIdentityFull
        self.roles = roles
        self.rolePasswords = rolePasswords
        self.createPrerequisites = createPrerequisites
        self.wholeDatabase = wholeDatabase
    }

    /// 128 KiB: smaller chunks cost CPU (16 KiB: +17 %), larger ones only memory (Benchmarks/README.md).
    public static let defaultChunkSize = 128 * 1024
    /// 1 MiB: ring size only moves memory, not speed, in the benchmark.
    public static let defaultRingCapacity = 1024 * 1024
    /// Slicing is off by default: on 2 cores it measured 18–35 % slower (slices lose FREEZE and
    /// contend for one table); `sliceMinimumBytes` turns it on where cores are to spare.
    public static let defaultSliceMinimumBytes = Int64.max

    /// 60 s: a live server moves COPY bytes every few milliseconds; a stopped one, never.
    public static let defaultStallTimeout: Duration = .seconds(60)
    /// Long enough for short transactions to finish, short enough that a forgotten open one is reported.
    public static let defaultDropLockTimeout = Duration.seconds(10)

    /// One table per core, at least two: a pipe spends much of its time waiting on the servers.
    public static var defaultJobs: Int { max(2, ProcessInfo.processInfo.activeProcessorCount) }
}

/// What a finished migration did.
public struct MigrationReport: Sendable {
    public var progress: MigrationProgress
    public var plan: MigrationPlan
}

extension MigrationRequest {
    /// The plan's options for this request against a target of `targetServerVersion`.
    func planOptions(targetServerVersion: Int) -> PlanOptions {
        PlanOptions(excludeTableData: excludeTableData, toleratedExclusions: toleratedExclusions, format: format,
                    orphanPolicy: orphanPolicy, includeOwnership: includeOwnership, targetServerVersion: targetServerVersion,
                    jobs: jobs, sliceMinimumBytes: sliceMinimumBytes, largeObjects: largeObjects,
                    followRefreshesMaterializedViews: follow ? refreshMaterializedViews : nil)
    }
}
