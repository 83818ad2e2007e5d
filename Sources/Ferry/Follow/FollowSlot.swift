import Foundation
import Logging
import FerryCore
import PGClient
import Synchronization

/// The source side of a follow run: the publications of the migrated tables and a logical slot
/// created with an exported snapshot, on a replication connection that stays idle until the copy
/// has read that snapshot (running anything on it ends the snapshot).
final class FollowSlot: Sendable {
    let name: String
    let publications: [String]
    /// Where streaming starts: the slot's consistent point, or its confirmed position on resume.
    let consistentPoint: LSN
    /// The exported snapshot the copy reads; nil when a run resumes (no copy).
    let snapshotName: String?
    let replication: PGReplicationConnection
    let source: ConnectionConfiguration
    /// The source tables this run set to `REPLICA IDENTITY FULL`, with their identity before
    /// (`--replica-identity-full`): the copy recreates that one.
    let originalIdentities: [QualifiedName: String]
    /// Set once the apply has begun (the target's origin exists): from then on a failure keeps
    /// the slot, so the same command resumes instead of copying again.
    private let applyStarted = Mutex(false)

    var isResumable: Bool { applyStarted.withLock { $0 } }
    func markApplyStarted() { applyStarted.withLock { $0 = true } }

    private init(name: String, publications: [String], consistentPoint: LSN, snapshotName: String?,
                 replication: PGReplicationConnection, source: ConnectionConfiguration,
                 originalIdentities: [QualifiedName: String] = [:]) {
        self.originalIdentities = originalIdentities
        self.name = name
        self.publications = publications
        self.consistentPoint = consistentPoint
        self.snapshotName = snapshotName
        self.replication = replication
        self.source = source
    }

    /// The slot of an earlier run of the same request whose apply had begun (slot on the source,
    /// origin and schemas on the target): following resumes from the origin's progress without
    /// copying. Leftovers of a run killed before its apply began are dropped (a new copy needs a
    /// new snapshot) and nil is returned.
    static func resume(_ request: MigrationRequest, logger: Logger) async throws -> FollowSlot? {
        let name = try await slotName(request)
        let (slot, publications) = try await Connections.withSource(request.source) { source, _ in
            let slot = try await source.query("""
                SELECT confirmed_flush_lsn::text AS confirmed FROM pg_catalog.pg_replication_slots
                WHERE slot_name = \(name) AND database = pg_catalog.current_database()
                """).rows.first
            let publications = try await source.query("""
                SELECT pubname::text AS name FROM pg_catalog.pg_publication
                WHERE pubname::text = \(name) OR pg_catalog.starts_with(pubname::text, \(name) || '_') ORDER BY 1
                """).rows.map { try $0.string("name") }
            return (slot, publications)
        }
        guard slot != nil || !publications.isEmpty else { return nil }
        let confirmed = try slot?.optionalString("confirmed").flatMap { LSN($0) }
        let resumable = try await Connections.with(request.target, side: .target) { target in
            try await target.query("""
                SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_origin WHERE roname = \(name))
                   AND (SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = ANY(\(request.schemas))) = \(request.schemas.count)::int AS resumable
                """).rows[0].bool("resumable")
        }
        let replication = try await PGReplicationConnection.connect(walSenderConfiguration(request.source))
        let leftover = FollowSlot(name: name, publications: publications, consistentPoint: confirmed ?? .zero, snapshotName: nil,
                                  replication: replication, source: request.source)
        guard resumable, let confirmed else {
            logger.notice("follow: dropping the slot and publication of an earlier run that stopped before its apply began",
                          metadata: ["slot": "\(name)"])
            try await leftover.drop()
            return nil
        }
        logger.notice("follow: resuming an earlier run", metadata: ["slot": "\(name)", "confirmed": "\(confirmed)"])
        leftover.markApplyStarted()
        return leftover
    }

    /// Checks the source (`FollowCheck`) before creating anything, then creates the publications
    /// and the slot. Whatever fails after the first publication drops what was created.
    static func create(_ request: MigrationRequest, logger: Logger) async throws -> FollowSlot {
        let name = try await slotName(request)
        return try await Connections.withSource(request.source) { source, _ in
            let tables = try await publishableTables(source, schemas: request.schemas)
            let excluded = excludedTables(request.excludeTableData, among: tables)
            let withoutIdentity = try await FollowCheck.run(source, schemas: request.schemas, excluding: excluded,
                                                            settingFullIdentity: request.replicaIdentityFull)
            let changing = try await ReplicaIdentityChange.tablesToChange(withoutIdentity, on: source)

            var publications: [String] = []
            do {
                for (index, schema) in request.schemas.enumerated() {
                    let publication = request.schemas.count == 1 ? name : "\(name)_\(index + 1)"
                    let inSchema = tables.filter { $0.schema == schema }
                    let create = ReplicationCommands.createPublication(
                        publication, schema: schema, tables: inSchema.filter { !excluded.contains($0) }.map(\.name),
                        excludesTables: inSchema.contains { excluded.contains($0) }, serverVersion: source.serverVersion)
                    try await ReplicaIdentityChange.createPublication(
                        create, named: publication, changing: changing.filter { $0.schema == schema }, on: source, logger: logger)
                    publications.append(publication)
                }
                let replication = try await PGReplicationConnection.connect(walSenderConfiguration(request.source))
                do {
                    let created = try await replication.createLogicalSlot(name)
                    guard created.snapshotName != nil else {
                        throw FerryError("CREATE_REPLICATION_SLOT \(name) exported no snapshot; the copy cannot start where the slot does")
                    }
                    guard let consistentPoint = LSN(created.consistentPoint) else {
                        throw FerryError("CREATE_REPLICATION_SLOT \(name) reported \"\(created.consistentPoint)\", expected an LSN (X/Y)")
                    }
                    logger.info("follow: slot created", metadata: ["slot": "\(name)", "consistent_point": "\(consistentPoint)"])
                    return FollowSlot(name: name, publications: publications,
                                      consistentPoint: consistentPoint, snapshotName: created.snapshotName,
                                      replication: replication, source: request.source,
                                      originalIdentities: Dictionary(changing.map { ($0.name, $0.identity) }) { first, _ in first })
                } catch {
                    await replication.close()
                    throw error
                }
            } catch {
                for publication in publications {
                    _ = try? await ReplicaIdentityChange.dropPublication(publication, on: source)
                }
                if let error = error as? PGError, error.sqlState == "42710" {
                    throw FerryError("follow: \(error.message.trimmingCharacters(in: .whitespacesAndNewlines)) — another "
                        + "pgferry run for this target and these schemas holds slot \(name); wait for it to end, or stop it and "
                        + "run `pgferry cleanup --source …`", sqlState: "42710")
                }
                throw error
            }
        }
    }

    /// Drops the slot and the publications (the slot first: it is what retains WAL) and closes
    /// the replication connection. Runs after a failure too: every step is tried.
    func drop() async throws {
        var failure: (any Error)?
        do {
            try await replication.dropSlot(name, wait: false)
        } catch {
            // The replication connection may be gone or mid-stream: drop through a plain one.
            do {
                _ = try await Connections.withSource(source) { source, _ in try await ReplicationCleanup.dropSlot(name, on: source) }
            } catch { failure = error }
        }
        await replication.close()
        do {
            try await Connections.withSource(source) { source, _ in
                for publication in publications { try await ReplicaIdentityChange.dropPublication(publication, on: source) }
            }
        } catch { failure = failure ?? error }
        if let failure { throw failure }
    }

    /// `pgferry_` and 16 hex digits of a hash of the target database's identity and the schemas:
    /// the same run against the same target finds its slot again. Also refuses, before anything
    /// is created, a target role that could not apply (checked here, where the target is read).
    static func slotName(_ request: MigrationRequest) async throws -> String {
        let identity = try await Connections.with(request.target, side: .target) { target in
            try await checkApplyPrivileges(target)
            return try await Connections.databaseIdentity(target)
        }
        let key = [identity.systemIdentifier ?? "", identity.port, String(identity.databaseOID), identity.databaseName]
            + request.schemas.sorted()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in key.joined(separator: "\u{0}").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return ReplicationCleanup.defaultPrefix + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The apply sets `session_replication_role` (superuser, or `GRANT SET ON PARAMETER` on 15+)
    /// and records progress with replication origins (superuser, or EXECUTE on their functions).
    static func checkApplyPrivileges(_ target: PGConnection) async throws {
        let row = try await target.query("""
            SELECT r.rolsuper,
                   pg_catalog.has_function_privilege('pg_catalog.pg_replication_origin_create(text)', 'EXECUTE')
                   AND pg_catalog.has_function_privilege('pg_catalog.pg_replication_origin_session_setup(text)', 'EXECUTE')
                   AND pg_catalog.has_function_privilege('pg_catalog.pg_replication_origin_xact_setup(pg_catalog.pg_lsn, timestamp with time zone)', 'EXECUTE')
                   AND pg_catalog.has_function_privilege('pg_catalog.pg_replication_origin_progress(text, boolean)', 'EXECUTE')
                   AND pg_catalog.has_function_privilege('pg_catalog.pg_replication_origin_drop(text)', 'EXECUTE') AS origins
            FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
            """).rows[0]
        var missing: [String] = []
        if try !row.bool("origins") {
            missing.append("EXECUTE on pg_replication_origin_create, _session_setup, _xact_setup, _progress and _drop")
        }
        if try !row.bool("rolsuper") {
            do {
                try await target.execute("BEGIN; SET LOCAL session_replication_role = replica; ROLLBACK")
            } catch {
                _ = try? await target.execute("ROLLBACK")
                missing.append("the right to set session_replication_role (GRANT SET ON PARAMETER session_replication_role, 15+)")
            }
        }
        guard missing.isEmpty else {
            throw FerryError("follow: the target role cannot apply the source's changes; it needs superuser, or "
                + missing.joined(separator: " and "))
        }
    }

    /// The walsender prints the text values the target parses: the copy's output settings.
    static func walSenderConfiguration(_ source: ConnectionConfiguration) -> ConnectionConfiguration {
        var configuration = source
        let settings = "-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3"
        configuration["options"] = [source["options"], settings].compactMap { $0 }.joined(separator: " ")
        configuration["client_encoding"] = "UTF8"
        return configuration
    }

    /// The tables a publication can name: ordinary and partitioned tables that are not partitions
    /// (published through their root).
    static func publishableTables(_ source: PGConnection, schemas: [String]) async throws -> [QualifiedName] {
        try await source.query("""
            SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(\(schemas)) AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND NOT c.relispartition
            ORDER BY 1, 2
            """).rows.map { QualifiedName(try $0.string("nspname"), try $0.string("relname")) }
    }

    /// `excludeTableData` entries (`name` or `schema.name`) among `tables`, as the plan reads them.
    static func excludedTables(_ names: [String], among tables: [QualifiedName]) -> Set<QualifiedName> {
        let wanted = Set(names.map { $0.trimmingCharacters(in: .whitespaces) })
        return Set(tables.filter { wanted.contains($0.name) || wanted.contains($0.dotted) || wanted.contains($0.description) })
    }
}
