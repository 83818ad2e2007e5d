import Ferry
import FerryTestSupport
import Foundation
import Testing

/// Issue 17, point 6: schemas that real projects run (`../shared/corpora`, README there), each
/// migrated with the end-of-run compare on and checked against pg_dump's own restore: sorted
/// `pg_dump -s` equal to the restore's, every table's rows equal, and `compare` equal against
/// both targets.
@Suite(.enabled(if: Corpora.root != nil, "../shared/corpora is absent (relative to the project root): corpus tests skipped"))
struct CorpusTests {
    struct Corpus {
        var folder: String
        /// What the target needs before either restore: what pg_dump -n does not carry either.
        var prerequisites: String
        var includeOwnership = false
        /// Runs `load.sh` with these arguments on the target cluster first (roles).
        var targetLoad: [String]? = nil
    }

    static let edge = Corpus(folder: "pgcopydb-edge", prerequisites: """
        CREATE EXTENSION "uuid-ossp"; CREATE EXTENSION pg_stat_statements;
        DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path TO public, %I', current_database(), '"abc"'); END $$;
        """)
    static let supabase = Corpus(folder: "supabase", prerequisites: """
        CREATE SCHEMA extensions; CREATE EXTENSION "uuid-ossp" SCHEMA extensions; CREATE EXTENSION pgcrypto SCHEMA extensions;
        """, includeOwnership: true, targetLoad: ["--roles-only"])

    @Test func pgcopydbEdgeCasesMatchPgDumpsRestore() async throws {
        try await check(Self.edge, schemas: nil)
    }

    @Test func aSupabaseProjectMatchesPgDumpsRestore() async throws {
        try await check(Self.supabase, schemas: ["auth", "storage"])
    }

    /// Issue 19, point 3: into a fresh cluster, with nothing made by hand, `--create-prerequisites`
    /// creates the roles the schemas name (with their memberships and settings; no object of
    /// theirs depends on an extension outside them); the run's compare, and a compare after it,
    /// find the schemas equal.
    @Test func aSupabaseProjectNeedsNothingMadeByHandWithCreatePrerequisites() async throws {
        let root = try #require(Corpora.root)
        let cluster = try ThrowawayCluster()
        defer { cluster.stop() }
        let source = try await TestDatabase.create(on: try await TestServers.source, "corpus_pre_src")
        let target = try await TestDatabase.create(on: cluster.server, "corpus_pre_tgt")
        try TestServers.run("/bin/bash", [root.appendingPathComponent("supabase/load.sh").path, Self.url(source)])
        let schemas = ["auth", "storage"]
        let report = try await Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: schemas, includeOwnership: true,
            createPrerequisites: true)).run()
        #expect(report.progress.status == .complete)
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")
        let created = report.progress.hazards.filter { $0.hasPrefix("created") }
        #expect(created.contains { $0.hasPrefix("created role supabase_auth_admin (") }, "\(created)")
        #expect(try await Self.rows(target, schemas: schemas) == Self.rows(source, schemas: schemas))
        // The roles the schemas name are as on the source, memberships and settings included.
        let named = report.plan.roles
        let roles: PGQuery = """
            SELECT string_agg(format('%s %s %s %s %s', r.rolname, r.rolinherit, r.rolcanlogin, r.rolbypassrls, s.setconfig), ', '
                              ORDER BY r.rolname) AS roles
            FROM pg_roles r LEFT JOIN pg_db_role_setting s ON s.setrole = r.oid AND s.setdatabase = 0
            WHERE r.rolname = ANY(\(named)) AND r.rolname <> 'postgres'
            """
        #expect(try await target.query(roles).rows[0].values == (try await source.query(roles).rows[0].values))
        let comparison = try await SchemaCompare(source: source.configuration, target: target.configuration, schemas: schemas,
                                                 includeOwnership: true).compare()
        #expect(comparison.isEqual, "\(comparison.lines)")
    }

    /// Issue 19's done-when, on the Supabase corpus: from `load.sh` alone into an empty database of
    /// a fresh cluster with `--all-schemas --roles --owners`, checked against pg_dump's own
    /// whole-database restore into a twin fresh cluster given the roles first (as
    /// `pg_dumpall --globals-only` would): sorted dumps equal, rows equal, roles as on the source,
    /// compare equal against both.
    @Test func aSupabaseDatabaseMovesWholeIntoAFreshCluster() async throws {
        let root = try #require(Corpora.root)
        let load = root.appendingPathComponent("supabase/load.sh").path
        let cluster = try ThrowawayCluster(), twin = try ThrowawayCluster()
        defer {
            cluster.stop()
            twin.stop()
        }
        let source = try await TestDatabase.create(on: try await TestServers.source, "corpus_whole_src")
        let target = try await TestDatabase.create(on: cluster.server, "corpus_whole_tgt")
        let restored = try await TestDatabase.create(on: twin.server, "corpus_whole_pd")
        try TestServers.run("/bin/bash", [load, Self.url(source)])
        try TestServers.run("/bin/bash", [load, Self.url(restored), "--roles-only"])
        try await restored.restore(from: source, schemas: [])
        let schemas = try await DatabaseSchemas.all(of: source.configuration)
        let report = try await Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: schemas, includeOwnership: true, roles: true,
            wholeDatabase: true)).run()
        #expect(report.progress.status == .complete)
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")

        let ours = try WholeDatabaseMoveTests.wholeDump(target), theirs = try WholeDatabaseMoveTests.wholeDump(restored)
        #expect(ours == theirs, "only in pgferry's: \(ours.filter { !theirs.contains($0) }.prefix(20)); only in pg_dump's: \(theirs.filter { !ours.contains($0) }.prefix(20))")
        #expect(theirs.contains { $0.hasPrefix("CREATE EVENT TRIGGER") } && theirs.contains { $0.hasPrefix("CREATE PUBLICATION") })
        let sourceRows = try await Self.rows(source, schemas: schemas)
        #expect(sourceRows.count > 10)
        #expect(try await Self.rows(target, schemas: schemas) == sourceRows)
        #expect(try await Self.rows(restored, schemas: schemas) == sourceRows)
        let roles: PGQuery = """
            SELECT string_agg(format('%s %s %s %s %s', r.rolname, r.rolinherit, r.rolcanlogin, r.rolbypassrls, s.setconfig), ', '
                              ORDER BY r.rolname) AS roles,
                   (SELECT string_agg(format('%s in %s admin %s', m.member::regrole, m.roleid::regrole, m.admin_option), ', '
                                      ORDER BY m.member::regrole::text, m.roleid::regrole::text) FROM pg_auth_members m
                    WHERE m.roleid::regrole::text = ANY(\(report.plan.roles)) AND m.member::regrole::text = ANY(\(report.plan.roles)))
                    AS memberships
            FROM pg_roles r LEFT JOIN pg_db_role_setting s ON s.setrole = r.oid AND s.setdatabase = 0
            WHERE r.rolname = ANY(\(report.plan.roles)) AND r.rolname <> 'postgres'
            """
        #expect(try await target.query(roles).rows[0].values == (try await source.query(roles).rows[0].values))
        for other in [target, restored] {
            let comparison = try await SchemaCompare(source: source.configuration, target: other.configuration, schemas: schemas,
                                                     includeOwnership: true, wholeDatabase: true).compare()
            #expect(comparison.isEqual, "against \(other.name): \(comparison.lines)")
        }
    }

    /// `schemas` nil: every schema the corpus made.
    func check(_ corpus: Corpus, schemas: [String]?) async throws {
        let root = try #require(Corpora.root)
        let load = root.appendingPathComponent("\(corpus.folder)/load.sh").path
        let source = try await TestDatabase.create(on: try await TestServers.source, "corpus_src")
        let restored = try await TestDatabase.create(on: try await TestServers.target, "corpus_pd")
        let target = try await TestDatabase.create(on: try await TestServers.target, "corpus_tgt")
        try TestServers.run("/bin/bash", [load, Self.url(source)])
        if let arguments = corpus.targetLoad { try TestServers.run("/bin/bash", [load, Self.url(target)] + arguments) }
        let allSchemas = try await source.query("""
            SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1
            """).rows.map { try $0.string("nspname") }
        let schemas = schemas ?? allSchemas
        for database in [restored, target] { try await database.execute(corpus.prerequisites) }
        // pgferry leaves owners and grants out unless --owners, as --no-owner --no-privileges.
        let dumpArguments = corpus.includeOwnership ? [] : ["--no-owner", "--no-privileges"]
        try await restored.restore(from: source, schemas: schemas, extraArguments: dumpArguments)

        let report = try await Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: schemas,
            includeOwnership: corpus.includeOwnership)).run()
        #expect(report.progress.status == .complete)
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")

        func sortedDump(_ database: TestDatabase) throws -> [Substring] {
            try database.schemaDump(schemas, extraArguments: dumpArguments).split(separator: "\n").sorted()
        }
        let ours = try sortedDump(target), theirs = try sortedDump(restored)
        #expect(ours == theirs, "only in pgferry's: \(ours.filter { !theirs.contains($0) }.prefix(20)); only in pg_dump's: \(theirs.filter { !ours.contains($0) }.prefix(20))")

        let sourceRows = try await Self.rows(source, schemas: schemas)
        #expect(sourceRows.count > 10)
        #expect(try await Self.rows(target, schemas: schemas) == sourceRows)
        #expect(try await Self.rows(restored, schemas: schemas) == sourceRows)

        for other in [target, restored] {
            let comparison = try await SchemaCompare(source: source.configuration, target: other.configuration, schemas: schemas,
                                                     includeOwnership: corpus.includeOwnership).compare()
            #expect(comparison.isEqual, "against \(other.name): \(comparison.lines)")
        }
    }

    /// Per table: its row count and an md5 over its rows' md5s, sorted.
    static func rows(_ database: TestDatabase, schemas: [String]) async throws -> [String: String] {
        let tables = try await database.query("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(\(schemas)) AND c.relkind = 'r' ORDER BY 1
            """).rows.map { try $0.string("name") }
        var result: [String: String] = [:]
        for table in tables {
            let row = try await database.query("""
                SELECT count(*) || ' ' || coalesce(md5(string_agg(r, '' ORDER BY r)), '-') AS summary
                FROM (SELECT md5(t::text) AS r FROM \(unescaped: table) t) rows
                """).rows[0]
            result[table] = try row.string("summary")
        }
        return result
    }

    static func url(_ database: TestDatabase) -> String {
        "postgresql://postgres@127.0.0.1:\(database.server.port)/\(database.name)"
    }
}

/// `../shared/corpora` from the project root, when it is there.
enum Corpora {
    static let root: URL? = {
        let folder = TestServers.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpora")
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("README.md").path) ? folder : nil
    }()
}
