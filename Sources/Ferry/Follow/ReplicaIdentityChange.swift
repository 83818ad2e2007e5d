import Foundation
import Logging
import FerryCore
import PGClient

/// `--replica-identity-full`: the source tables follow mode refuses for want of a replica
/// identity get `REPLICA IDENTITY FULL` for the run, and each is put back as it was when the run
/// drops its publication (cutover, abort, `pgferry cleanup`).
///
/// What was changed is recorded on the source, in the comment of the publication that holds
/// the tables, in the transaction that creates it and changes them: a run killed at any point
/// leaves either nothing or a publication that says what to put back. The publication is
/// dropped in the transaction that puts them back: a table without identity may not stay in a
/// publication of updates (its UPDATE and DELETE would fail on the source).
enum ReplicaIdentityChange {
    /// One table changed, and its identity before: `d` (no primary key) or `n`; an `i` whose
    /// index is gone comes back as `n`, which behaves the same (no old key is logged).
    struct Original: Codable, Equatable {
        var schema: String
        var table: String
        var identity: String

        var name: QualifiedName { QualifiedName(schema, table) }
    }

    /// The comment's prefix; the JSON list of `Original` follows it.
    static let marker = "pgferry: REPLICA IDENTITY FULL for this run, to put back: "
    /// How long each ALTER TABLE waits for the application's locks before the run fails.
    static let lockTimeout = "10s"

    /// The tables to change: the refused ones and, for a refused partition, its partitioned root
    /// when that has no identity either (the old row of a change published through the root is
    /// sent by the root's identity).
    static func tablesToChange(_ refused: [FollowPreflight.Table], on source: PGConnection) async throws -> [Original] {
        guard !refused.isEmpty else { return [] }
        let rows = try await source.query("""
            WITH refused AS (
                SELECT pg_catalog.unnest(\(refused.map(\.name.schema))) AS schema, pg_catalog.unnest(\(refused.map(\.name.name))) AS name
            ), tables AS (
                SELECT c.oid FROM refused r
                JOIN pg_catalog.pg_namespace n ON n.nspname = r.schema
                JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = r.name
            ), changed AS (
                SELECT oid FROM tables
                UNION
                SELECT pg_catalog.pg_partition_root(oid) FROM tables
            )
            SELECT n.nspname, c.relname, c.relreplident::text AS identity,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid
                           AND (i.indisreplident OR (c.relreplident = 'd' AND i.indisprimary))) AS has_index
            FROM changed JOIN pg_catalog.pg_class c ON c.oid = changed.oid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            ORDER BY 1, 2
            """)
        return try rows.rows.compactMap { row in
            let identity = try row.string("identity")
            // A root with a key of its own, or already FULL, is left alone.
            guard identity != "f", try !row.bool("has_index") || identity == "n" else { return nil }
            return Original(schema: try row.string("nspname"), table: try row.string("relname"), identity: identity == "d" ? "d" : "n")
        }
    }

    /// Creates the publication by `create` and sets FULL on `tables`, recording them in its comment,
    /// in one transaction.
    static func createPublication(_ create: String, named publication: String, changing tables: [Original],
                                  on source: PGConnection, logger: Logger) async throws {
        guard !tables.isEmpty else {
            try await source.execute(create)
            return
        }
        let record = String(decoding: try JSONEncoder().encode(tables), as: UTF8.self)
        let cost = "follow: setting REPLICA IDENTITY FULL on the source for the run (each ALTER TABLE takes an ACCESS "
            + "EXCLUSIVE lock briefly; every UPDATE and DELETE on these tables logs the whole old row to the WAL until cutover)"
        logger.notice("\(cost)", metadata: ["tables": "\(tables.map(\.name.description).joined(separator: ", "))"])
        var statements = ["BEGIN", "SET LOCAL lock_timeout = \(SQL.literal(lockTimeout))", create,
                          "COMMENT ON PUBLICATION \(SQL.identifier(publication)) IS \(SQL.literal(marker + record))"]
        statements += tables.map { "ALTER TABLE \($0.name.sql) REPLICA IDENTITY FULL" }
        do {
            try await source.execute((statements + ["COMMIT"]).joined(separator: "; "))
        } catch {
            _ = try? await source.execute("ROLLBACK")
            throw FerryError("follow: setting REPLICA IDENTITY FULL on \(tables.map(\.name.description).joined(separator: ", ")) "
                + "failed (nothing was changed): \(error)")
        }
    }

    /// Drops `publication`, putting back in the same transaction the identities its comment
    /// records (those still FULL: a table changed since is left as it is).
    /// - Returns: the tables put back.
    @discardableResult
    static func dropPublication(_ publication: String, on source: PGConnection) async throws -> [QualifiedName] {
        let restored = try await toRestore(publication, on: source)
        guard !restored.isEmpty else {
            try await source.execute(ReplicationCommands.dropPublication(publication))
            return []
        }
        var statements = ["BEGIN", "SET LOCAL lock_timeout = \(SQL.literal(lockTimeout))", ReplicationCommands.dropPublication(publication)]
        statements += restored.map { "ALTER TABLE \($0.name.sql) REPLICA IDENTITY \($0.identity == "d" ? "DEFAULT" : "NOTHING")" }
        do {
            try await source.execute((statements + ["COMMIT"]).joined(separator: "; "))
        } catch {
            _ = try? await source.execute("ROLLBACK")
            throw FerryError("follow: putting back the replica identity of \(restored.map(\.name.description).joined(separator: ", ")) "
                + "failed; publication \(SQL.display(publication)) is kept and says what to put back: run `pgferry cleanup --source …` "
                + "again: \(error)")
        }
        return restored.map(\.name)
    }

    /// The identities `publication`'s comment records whose tables are still FULL: what dropping
    /// it puts back.
    static func toRestore(_ publication: String, on source: PGConnection) async throws -> [Original] {
        let comment = try await source.query("""
            SELECT pg_catalog.obj_description(oid, 'pg_publication') AS comment FROM pg_catalog.pg_publication WHERE pubname = \(publication)
            """).rows.first?.optionalString("comment")
        let recorded = comment.flatMap(originals(in:)) ?? []
        guard !recorded.isEmpty else { return [] }
        let full = Set(try await source.query("""
            SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relreplident = 'f'
            """).rows.map { QualifiedName(try $0.string("nspname"), try $0.string("relname")) })
        return recorded.filter { full.contains($0.name) }
    }

    /// The tables a publication's comment records.
    static func originals(in comment: String) -> [Original]? {
        guard comment.hasPrefix(marker) else { return nil }
        return try? JSONDecoder().decode([Original].self, from: Data(comment.dropFirst(marker.count).utf8))
    }
}
