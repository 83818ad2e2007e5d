@testable import Ferry
import FerryTestSupport
import Foundation
import Testing

/// Issue 16 point 9: pgcopydb's user-reported edge cases (`../shared/corpora/pgcopydb-edge`)
/// loaded on the source, followed while its change workload (`load.sh URI --dml`) runs, with
/// `replicaIdentityFull` for its tables without a key, and cut over: every table equal.
@Suite(.serialized) struct FollowCorpusTests {
    static let corpus = TestServers.repositoryRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/corpora/pgcopydb-edge")

    /// Runs the corpus's `load.sh` against `database` with psql on the PATH.
    static func load(_ database: TestDatabase, _ arguments: [String] = []) throws -> String {
        let psql = URL(fileURLWithPath: PGDump.psqlExecutable(bindir: database.server.bindir)).deletingLastPathComponent().path
        let path = psql + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let uri = "postgresql://postgres@127.0.0.1:\(database.server.port)/\(database.name)"
        return try TestServers.run("/bin/bash", [corpus.appendingPathComponent("load.sh").path, uri] + arguments,
                                   environment: ["PATH": path])
    }

    static let identities: PGQuery = """
        SELECT coalesce(string_agg(oid::regclass::text || '=' || relreplident::text, ',' ORDER BY oid), '') AS i
        FROM pg_class WHERE relkind IN ('r', 'p') AND oid >= 16384
        """

    @Test(.timeLimit(.minutes(2))) func pgcopydbEdgeCasesFollowedThroughTheirWorkloadEndEqual() async throws {
        guard FileManager.default.fileExists(atPath: Self.corpus.appendingPathComponent("load.sh").path) else {
            print("skipped: \(Self.corpus.path) is absent (the corpora live in ../shared/corpora next to the project)")
            return
        }
        let source = try await TestDatabase.create(on: try await TestServers.source, "corpus_edge_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "corpus_edge_tgt")
        _ = try Self.load(source)
        // What pg_dump would not carry either (corpora README): extensions and the search_path.
        try await target.execute("""
            CREATE EXTENSION "uuid-ossp"; CREATE EXTENSION pg_stat_statements;
            DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path TO public, %I', current_database(), '"abc"'); END $$
            """)
        let schemas = try await source.query("""
            SELECT nspname::text AS name FROM pg_namespace
            WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1
            """).rows.map { try $0.string("name") }
        #expect(schemas.count >= 10)
        let identities = try await source.query(Self.identities).rows[0].string("i")
        let report = try await FollowKindsTests.follow(MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: schemas,
            follow: true, replicaIdentityFull: true)) {
            let workload = try Self.load(source, ["--dml"])
            #expect(!workload.contains("failed on the source"), "\(workload)")
        }
        #expect(report.progress.follow?.state == .done)
        #expect(report.progress.follow.map { $0.rowsApplied > 0 } == true)
        let validation = try await Validator(source: source.configuration, target: target.configuration, schemas: schemas,
                                             checksums: true).validate()
        #expect(validation.allMatch, "\(validation.tables.filter { !$0.match })")
        #expect(validation.tables.count >= 40)
        // Materialized views are not published: cutover refreshed them (cdc-matview's view gains rows while following).
        let views = try await source.query("""
            SELECT format('%I.%I', schemaname, matviewname) AS name FROM pg_matviews WHERE ispopulated ORDER BY 1
            """).rows.map { try $0.string("name") }
        #expect(views.count >= 5)
        for view in views {
            let rows: PGQuery = "SELECT count(*) AS n, coalesce(sum(hashtext(v::text)), 0) AS h FROM \(unescaped: view) v"
            #expect(try await target.query(rows).rows.map { [$0[0], $0[1]] } == source.query(rows).rows.map { [$0[0], $0[1]] },
                    "\(view)")
        }
        // The identities --replica-identity-full set are put back.
        #expect(try await source.query(Self.identities).rows[0].string("i") == identities)
    }
}
