@testable import Ferry
import FerryTestSupport
import Foundation
import Testing

/// Issue 16 points 5 and 6: `replicaIdentityFull` gives exactly the refused tables REPLICA
/// IDENTITY FULL for the run and puts each back (cutover, cleanup after a run that stopped), and
/// a name holding a newline is printed one way, escaped, everywhere.
@Suite(.serialized) struct FollowReplicaIdentityTests {
    static let schema = """
        CREATE SCHEMA ri;
        CREATE TABLE ri.keyed (id int PRIMARY KEY, v text);
        CREATE TABLE ri.heap (a int, b text);
        CREATE TABLE ri.nothing (a int PRIMARY KEY, b text);
        ALTER TABLE ri.nothing REPLICA IDENTITY NOTHING;
        CREATE TABLE ri."odd""
        name" (a int);
        CREATE TABLE ri.parts (k int, v text) PARTITION BY LIST (k);
        CREATE TABLE ri.parts_1 PARTITION OF ri.parts FOR VALUES IN (1);
        CREATE TABLE ri.parts_d PARTITION OF ri.parts DEFAULT;
        INSERT INTO ri.keyed VALUES (1, 'k');
        INSERT INTO ri.heap VALUES (1, 'a'), (1, 'a'), (2, 'b');
        INSERT INTO ri.nothing VALUES (1, 'n'), (2, 'n');
        INSERT INTO ri."odd""
        name" VALUES (1), (2);
        INSERT INTO ri.parts VALUES (1, 'one'), (2, 'two');
        """

    /// The odd table's name as pgferry prints it: quote_ident's quoting, the newline escaped.
    static let oddName = #"ri.U&"odd""\000Aname""#

    static let identities: PGQuery = """
        SELECT string_agg(c.relname || '=' || c.relreplident::text, ',' ORDER BY c.relname COLLATE "C") AS identities
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'ri' AND c.relkind IN ('r', 'p')
        """
    static let before = "heap=d,keyed=d,nothing=n,odd\"\nname=d,parts=d,parts_1=d,parts_d=d"

    @Test func theRefusalNamesEachTableOneWayEscapedAndOffersTheOption() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "ri_refused_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "ri_refused_tgt")
        try await source.execute(Self.schema)
        await #expect {
            try await Migration(request: MigrationRequest(
                source: source.configuration, target: target.configuration, schemas: ["ri"], follow: true)).run()
        } throws: { error in
            let text = "\(error)"
            return text.components(separatedBy: Self.oddName).count == 3  // listed, and in its ALTER TABLE
                && !text.contains("\n") && text.contains("--replica-identity-full") && text.contains("ri.parts_d")
                && !text.contains("ri.keyed")
        }
        #expect(try await source.query(Self.identities).rows[0].string("identities") == Self.before)
    }

    @Test func fullIdentityIsSetOnTheRefusedTablesOnlyAndPutBackAtCutover() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "ri_full_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "ri_full_tgt")
        try await source.execute(Self.schema)
        let report = try await FollowKindsTests.follow("ri", from: source, to: target, replicaIdentityFull: true) {
            // The partitions and their root (whose identity the changes are published by), not ri.keyed.
            #expect(try await source.query(Self.identities).rows[0].string("identities")
                == "heap=f,keyed=d,nothing=f,odd\"\nname=f,parts=f,parts_1=f,parts_d=f")
            try await source.execute("""
                SET synchronous_commit = on;
                UPDATE ri.heap SET b = 'z' WHERE ctid = (SELECT ctid FROM ri.heap WHERE a = 1 LIMIT 1);
                DELETE FROM ri.heap WHERE a = 2;
                UPDATE ri.nothing SET b = 'm' WHERE a = 2;
                DELETE FROM ri."odd""
                name" WHERE a = 1;
                UPDATE ri.parts SET k = 1 WHERE k = 2;
                DELETE FROM ri.parts WHERE v = 'one';
                """)
        }
        #expect(report.progress.follow?.state == .done)
        #expect(report.progress.tables.map(\.table).contains(Self.oddName))
        try await FollowKindsTests.expectEqual(source, target, schema: "ri")
        #expect(try await source.query(Self.identities).rows[0].string("identities") == Self.before)
        // The copy recreated what the source had before the run, not the run's FULL.
        #expect(try await target.query(Self.identities).rows[0].string("identities") == Self.before)
        #expect(try await source.query("SELECT count(*) AS n FROM pg_publication").rows[0].int("n") == 0)
    }

    /// A run that stops after its apply began keeps its slot and publication for the resume, and
    /// the tables keep FULL; `pgferry cleanup` (ReplicationCleanup.drop) puts them back.
    @Test func cleanupPutsBackWhatAStoppedRunChanged() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "ri_cleanup_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "ri_cleanup_tgt")
        try await source.execute(Self.schema)
        let (migration, run) = try await FollowTests.following(MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: ["ri"], follow: true, replicaIdentityFull: true))
        #expect(migration.progress.follow?.state == .streaming)
        migration.cancel()
        await #expect(throws: (any Error).self) { try await run.value }
        #expect(try await source.query(Self.identities).rows[0].string("identities")
            == "heap=f,keyed=d,nothing=f,odd\"\nname=f,parts=f,parts_1=f,parts_d=f")
        let slot = try await source.query(
            "SELECT slot_name::text AS s FROM pg_replication_slots WHERE database = current_database()").rows[0].string("s")
        let changed = [Self.oddName, "ri.heap", "ri.nothing", "ri.parts", "ri.parts_1", "ri.parts_d"]
        // `cleanup --dry-run` lists them; the cleanup puts them back.
        let leftovers = try await PGConnection.withConnection(source.configuration) { try await ReplicationCleanup.find($0) }
        #expect(leftovers.replicaIdentitiesToRestore.map(\.description).sorted() == changed)
        let report = try await PGConnection.withConnection(source.configuration) { try await ReplicationCleanup.drop($0) }
        #expect(report.restoredReplicaIdentities.map(\.description).sorted() == changed)
        #expect(report.droppedPublications.count == 1)
        #expect(try await source.query(Self.identities).rows[0].string("identities") == Self.before)
        // The slot and the origin stay held until the run's sessions notice it is gone: dropped once free.
        try await FollowApplier.whileHeldByAnEndingSession("the run's origin") {
            _ = try await target.query("SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin WHERE roname = \(slot)")
        }
        let slots: PGQuery = "SELECT count(*) AS n FROM pg_replication_slots WHERE slot_name = \(slot)"
        let until = ContinuousClock.now + .seconds(20)
        while try await source.query(slots).rows[0].int("n") > 0, ContinuousClock.now < until {
            _ = try? await source.query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = \(slot) AND NOT active")
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await source.query(slots).rows[0].int("n") == 0)
    }
}
