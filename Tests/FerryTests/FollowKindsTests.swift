@testable import Ferry
import FerryTestSupport
import Foundation
import Testing

/// Follow mode on the kinds of tables application schemas have (issue 16): identity columns
/// `GENERATED ALWAYS`, stored generated columns, a table of no columns, materialized views,
/// tables without a replica identity, and names that need quoting. One at a time: each holds a
/// replication slot.
@Suite(.serialized) struct FollowKindsTests {
    /// Runs `writes` on the source while a follow run of `schema` streams, cuts over, and returns the report.
    static func follow(_ schema: String, from source: TestDatabase, to target: TestDatabase, replicaIdentityFull: Bool = false,
                       refreshMaterializedViews: Bool = true, whileStreaming writes: () async throws -> Void) async throws
        -> MigrationReport {
        try await follow(MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: [schema], follow: true,
            refreshMaterializedViews: refreshMaterializedViews, replicaIdentityFull: replicaIdentityFull), whileStreaming: writes)
    }

    /// Runs `writes` on the source while the follow run of `request` streams, cuts over, and returns the report.
    static func follow(_ request: MigrationRequest, whileStreaming writes: () async throws -> Void) async throws -> MigrationReport {
        let (migration, run) = try await FollowTests.following(request)
        #expect(migration.progress.follow?.state == .streaming, "\(migration.progress.error ?? "never streamed")")
        do { try await writes() } catch {
            migration.cancel()
            _ = await run.result
            throw error
        }
        migration.cutover()
        return try await run.value
    }

    static func expectEqual(_ source: TestDatabase, _ target: TestDatabase, schema: String) async throws {
        let validation = try await Validator(source: source.configuration, target: target.configuration, schemas: [schema],
                                             checksums: true).validate()
        #expect(validation.allMatch, "\(validation.tables.filter { !$0.match })")
    }

    /// Issue 16 points 1–3: inserts take the source's identity values (OVERRIDING SYSTEM VALUE),
    /// updates never SET an unchanged identity or generated column, an identity changed by
    /// `SET … = DEFAULT` moves the row, generated columns are recomputed, and a table of no
    /// columns takes inserts and deletes.
    @Test func identityAlwaysGeneratedAndZeroColumnTablesApply() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "kinds_ident_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "kinds_ident_tgt")
        try await source.execute("""
            CREATE SCHEMA ka;
            CREATE TABLE ka.ident (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text,
                                   len int GENERATED ALWAYS AS (length(v)) STORED);
            CREATE TABLE ka.full_ident (n int GENERATED ALWAYS AS IDENTITY, v text, big text);
            ALTER TABLE ka.full_ident REPLICA IDENTITY FULL;
            ALTER TABLE ka.full_ident ALTER COLUMN big SET STORAGE EXTERNAL;
            CREATE TABLE ka.nocols ();
            ALTER TABLE ka.nocols REPLICA IDENTITY FULL;
            CREATE TABLE ka.toasted (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doc text);
            ALTER TABLE ka.toasted ALTER COLUMN doc SET STORAGE EXTERNAL;
            INSERT INTO ka.toasted (doc) VALUES (repeat('t', 5000));
            INSERT INTO ka.ident (v) SELECT 'v' || i FROM generate_series(1, 10) i;
            INSERT INTO ka.full_ident (v, big) VALUES ('a', repeat('x', 5000)), ('b', repeat('y', 5000));
            INSERT INTO ka.nocols DEFAULT VALUES; INSERT INTO ka.nocols DEFAULT VALUES; INSERT INTO ka.nocols DEFAULT VALUES;
            """)
        let report = try await Self.follow("ka", from: source, to: target) {
            try await source.execute("""
                SET synchronous_commit = on;
                INSERT INTO ka.ident (v) SELECT 'w' || i FROM generate_series(1, 150) i;
                INSERT INTO ka.ident (v) VALUES ('single');
                UPDATE ka.ident SET v = v || '!' WHERE id <= 5;
                UPDATE ka.ident SET id = DEFAULT WHERE id = 6;
                UPDATE ka.full_ident SET n = DEFAULT WHERE v = 'a';
                UPDATE ka.full_ident SET v = 'bb' WHERE v = 'b';
                DELETE FROM ka.ident WHERE id = 7;
                UPDATE ka.toasted SET doc = doc;
                INSERT INTO ka.nocols DEFAULT VALUES; INSERT INTO ka.nocols DEFAULT VALUES;
                DELETE FROM ka.nocols WHERE ctid = (SELECT max(ctid) FROM ka.nocols);
                """)
        }
        #expect(report.progress.follow?.state == .done)
        try await Self.expectEqual(source, target, schema: "ka")
        let rows: PGQuery = "SELECT (SELECT count(*) FROM ka.nocols) AS nocols, (SELECT string_agg(id || ':' || len, ',' ORDER BY id) FROM ka.ident) AS ident"
        #expect(try await target.query(rows).rows.map { [$0[0], $0[1]] } == source.query(rows).rows.map { [$0[0], $0[1]] })
        #expect(try await target.query("SELECT count(*) AS n FROM ka.nocols").rows[0].int("n") == 4)
        // The identity's sequence goes on where the source's is.
        let next: PGQuery = "SELECT last_value FROM ka.ident_id_seq"
        #expect(try await target.query(next).rows[0][0] == source.query(next).rows[0][0])
    }

    /// Issue 16 point 2 on a PostgreSQL 18 source, whose publications can send stored generated
    /// columns (`publish_generated_columns`): the apply still leaves them to the target.
    @Test func generatedColumnsAnEighteenSourcePublishesAreRecomputedByTheTarget() async throws {
        let sourceServer = try await TestServers.source
        guard try VersionPair.major(port: sourceServer.port) >= 18 else {
            print("skipped: publish_generated_columns needs a PostgreSQL 18 source (scripts/matrix.sh --sources 18 --targets 15 --filter FollowKindsTests)")
            return
        }
        let source = try await TestDatabase.create(on: sourceServer, "kinds_gen_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "kinds_gen_tgt")
        try await source.execute("""
            CREATE SCHEMA kg;
            CREATE TABLE kg.t (id int PRIMARY KEY, v text, up text GENERATED ALWAYS AS (upper(v)) STORED);
            INSERT INTO kg.t (id, v) VALUES (1, 'a'), (2, 'b');
            """)
        _ = try await Self.follow("kg", from: source, to: target) {
            let publication = try await source.query("SELECT pubname::text AS p FROM pg_publication").rows[0].string("p")
            try await source.execute("""
                SET synchronous_commit = on;
                ALTER PUBLICATION \(publication) SET (publish_generated_columns = stored);
                INSERT INTO kg.t (id, v) SELECT i, 'n' || i FROM generate_series(3, 120) i;
                INSERT INTO kg.t (id, v) VALUES (200, 'one');
                UPDATE kg.t SET v = 'changed' WHERE id = 1;
                DELETE FROM kg.t WHERE id = 2;
                """)
            let published = try await source.query("SELECT count(*) AS n FROM pg_publication WHERE pubgencols = 's'")
            #expect(try published.rows[0].int("n") == 1)
        }
        try await Self.expectEqual(source, target, schema: "kg")
        #expect(try await target.query("SELECT up FROM kg.t WHERE id = 1").rows[0][0] == "CHANGED")
    }

    /// Issue 16 point 4: a REFRESH on the source is not in the stream; cutover refreshes the
    /// target's populated materialized views, one reading another after it, timed; with
    /// `refreshMaterializedViews: false` they stay as copied.
    @Test(arguments: [true, false])
    func materializedViewsAreRefreshedAtCutover(refresh: Bool) async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "kinds_mv_\(refresh)_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "kinds_mv_\(refresh)_tgt")
        try await source.execute("""
            CREATE SCHEMA km;
            CREATE TABLE km.t (id int PRIMARY KEY);
            INSERT INTO km.t SELECT generate_series(1, 3);
            CREATE MATERIALIZED VIEW km.counted AS SELECT count(*) AS n FROM km.t;
            CREATE MATERIALIZED VIEW km.doubled AS SELECT n * 2 AS n2 FROM km.counted;
            CREATE MATERIALIZED VIEW km.unpopulated AS SELECT id FROM km.t WITH NO DATA;
            """)
        let report = try await Self.follow("km", from: source, to: target, refreshMaterializedViews: refresh) {
            try await source.execute("""
                SET synchronous_commit = on; INSERT INTO km.t VALUES (4), (5);
                REFRESH MATERIALIZED VIEW km.counted; REFRESH MATERIALIZED VIEW km.doubled
                """)
        }
        let follow = try #require(report.progress.follow)
        let views: PGQuery = "SELECT (SELECT n FROM km.counted) AS n, (SELECT n2 FROM km.doubled) AS n2"
        let populated: PGQuery = "SELECT relispopulated::text AS p FROM pg_class WHERE oid = 'km.unpopulated'::regclass"
        #expect(try await target.query(populated).rows[0].string("p") == "false")
        let note = report.plan.notes.first { $0.hasPrefix("follow: materialized views") } ?? ""
        if refresh {
            #expect(try await target.query(views).rows.map { [$0[0], $0[1]] } == [["5", "10"]])
            #expect(follow.materializedViewsRefreshed == 2)
            #expect(follow.materializedViewRefreshSeconds.map { $0 >= 0 && $0 < 30 } == true)
            #expect(note.contains("cutover refreshes them") && note.contains("km.counted, km.doubled"), "\(note)")
        } else {
            #expect(try await target.query(views).rows.map { [$0[0], $0[1]] } == [["3", "6"]])
            #expect(follow.materializedViewsRefreshed == nil)
            #expect(note.contains("leaves them as copied"), "\(note)")
        }
    }
}
