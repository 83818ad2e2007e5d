@testable import Ferry
import FerryTestSupport
import Foundation
import Synchronization
import Testing

/// Issue 16 point 8: faults while following, not only while copying. A writer over the kinds
/// application schemas have (identity ALWAYS, a generated column, TOAST, a zero-column table,
/// rows moving between partitions, cascaded deletes, TRUNCATE, a materialized view refresh)
/// keeps writing while the test ends the walsender, the target's apply backend, restarts the target
/// and drops the network to it, one after another; after each the same request runs again and resumes. At
/// cutover every table, the materialized view and the sequences equal the source's, and
/// nothing is left on the source. (SIGKILL of the pgferry process and a resume:
/// `followKilledTwiceUnderAWriterCutsOverEqual`.)
@Suite(.serialized) struct FollowFaultSoakTests {
    static let schema = """
        CREATE SCHEMA soak;
        CREATE TABLE soak.ident (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text,
                                 len int GENERATED ALWAYS AS (length(v)) STORED, doc text);
        ALTER TABLE soak.ident ALTER COLUMN doc SET STORAGE EXTERNAL;
        CREATE TABLE soak.nocols ();
        ALTER TABLE soak.nocols REPLICA IDENTITY FULL;
        CREATE TABLE soak.parts (id int, k int, v text, PRIMARY KEY (id, k)) PARTITION BY LIST (k);
        CREATE TABLE soak.parts_0 PARTITION OF soak.parts FOR VALUES IN (0);
        CREATE TABLE soak.parts_1 PARTITION OF soak.parts FOR VALUES IN (1);
        CREATE TABLE soak.parent (id int PRIMARY KEY);
        CREATE TABLE soak.child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES soak.parent ON DELETE CASCADE);
        CREATE TABLE soak.scratch (id int PRIMARY KEY);
        INSERT INTO soak.ident (v, doc) SELECT 'v' || i, repeat(md5(i::text), 100) FROM generate_series(1, 20) i;
        CREATE MATERIALIZED VIEW soak.counts AS SELECT count(*) AS n, sum(len) AS total FROM soak.ident;
        """

    /// TRUNCATE only once the copy is done (`truncating`): during the copy pgferry refuses a
    /// session that waits for an ACCESS EXCLUSIVE lock on a table it has not copied yet.
    static func round(_ r: Int, truncating: Bool, on source: PGConnection) async throws {
        try await source.execute("""
            INSERT INTO soak.ident (v, doc) VALUES ('r\(r)', repeat(md5('\(r)'), 100));
            UPDATE soak.ident SET v = v || 'x' WHERE id % 7 = \(r % 7);
            INSERT INTO soak.nocols DEFAULT VALUES;
            INSERT INTO soak.parts VALUES (\(r), \(r % 2), 'p\(r)');
            UPDATE soak.parts SET k = 1 - k WHERE id = \(r - 1);
            INSERT INTO soak.parent VALUES (\(r)); INSERT INTO soak.child VALUES (\(r), \(r));
            DELETE FROM soak.parent WHERE id = \(r - 3);
            REFRESH MATERIALIZED VIEW soak.counts
            """)
        if r % 3 == 0 { try await source.execute("DELETE FROM soak.nocols WHERE ctid = (SELECT min(ctid) FROM soak.nocols)") }
        if truncating && r % 5 == 0 { try await source.execute("TRUNCATE soak.scratch; INSERT INTO soak.scratch SELECT generate_series(1, \(r))") }
    }

    /// What a fault acts on.
    struct Context: Sendable {
        var source: TestDatabase
        var target: TestDatabase
        var cluster: ThrowawayCluster
        var proxy: FaultProxy
        var slot: String
    }

    /// A fault injected into a running follow.
    struct Fault: Sendable {
        var name: String
        var inject: @Sendable (Context) async throws -> Void
    }

    static let faults = [
        Fault(name: "walsender terminated") { context in
            _ = try await context.source.query(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = \(context.slot)")
        },
        Fault(name: "apply backend terminated") { context in
            _ = try await context.target.query("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                """)
        },
        Fault(name: "target restarted") { context in try context.cluster.restart() },
        Fault(name: "network to the target dropped") { context in context.proxy.close() },
    ]

    final class Writing: Sendable {
        let stop = Atomic(false)
        let rounds = Atomic(0)
        let truncating = Atomic(false)
    }

    @Test(.timeLimit(.minutes(4))) func followSurvivesFaultsAndCutsOverEqual() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "soak_src")
        let cluster = try ThrowawayCluster()  // the target, restarted by a fault
        defer { cluster.stop() }
        let target = try await TestDatabase.create(on: cluster.server, "soak_tgt")
        try await source.execute(Self.schema)
        let writing = Writing()
        let writer = Task {
            try await PGConnection.withConnection(source.configuration) { connection in
                try await connection.execute("SET synchronous_commit = on")
                while !writing.stop.load(ordering: .relaxed) {
                    try await Self.round(writing.rounds.add(1, ordering: .relaxed).newValue,
                                         truncating: writing.truncating.load(ordering: .relaxed), on: connection)
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
        func request(through proxy: FaultProxy) -> MigrationRequest {
            var configuration = target.configuration
            configuration["port"] = String(proxy.port)
            return MigrationRequest(source: source.configuration, target: configuration, schemas: ["soak"], follow: true)
        }
        /// Waits until the target applied a source commit made after this call.
        func waitUntilApplied(_ slot: String, _ migration: Migration) async throws {
            let position = try await source.query("SELECT pg_current_wal_lsn()::text AS lsn").rows[0].string("lsn")
            let deadline = ContinuousClock.now + .seconds(60)
            // The origin exists once the apply began (a run streams from just before).
            let applied: PGQuery = """
                SELECT CASE WHEN EXISTS (SELECT FROM pg_replication_origin WHERE roname = \(slot))
                            THEN coalesce(pg_replication_origin_progress(\(slot), true) > \(position)::pg_lsn, false) ELSE false END AS ok
                """
            while try await !target.query(applied).rows[0].bool("ok") {
                guard ContinuousClock.now < deadline else { throw TestSupportError("nothing applied past \(position) in 60 s") }
                if migration.progress.status == .error { throw TestSupportError("the run failed: \(migration.progress.error ?? "")") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        var proxy = try FaultProxy(upstreamPort: target.server.port)
        var (migration, run) = try await FollowTests.following(request(through: proxy))
        let slot = try #require(migration.progress.follow?.slot, "\(migration.progress.error ?? "")")
        writing.truncating.store(true, ordering: .relaxed)
        try await waitUntilApplied(slot, migration)
        for fault in Self.faults {
            let injected = ContinuousClock.now
            try await fault.inject(Context(source: source, target: target, cluster: cluster, proxy: proxy, slot: slot))
            let result = await run.result
            let failedAfter = ContinuousClock.now - injected
            guard case .failure(let error) = result else {
                Issue.record("the run ended without failing after: \(fault.name)")
                return
            }
            #expect("\(error)".contains("run the same command again to resume"), "\(fault.name): \(error)")
            #expect(failedAfter < .seconds(30), "\(fault.name): the run failed \(failedAfter) after it")
            proxy.close()
            proxy = try FaultProxy(upstreamPort: target.server.port)
            let resumed = ContinuousClock.now
            (migration, run) = try await FollowTests.following(request(through: proxy))
            #expect(migration.progress.follow?.state == .streaming, "\(fault.name): \(migration.progress.error ?? "")")
            #expect(migration.progress.tables.isEmpty, "the resumed run copied again")
            try await waitUntilApplied(slot, migration)
            print("fault soak: \(fault.name): the run failed after \(failedAfter); the same request again applied the "
                + "source's new commits after \(ContinuousClock.now - resumed)")
        }
        writing.stop.store(true, ordering: .relaxed)
        try await writer.value
        migration.cutover()
        let report = try await run.value
        proxy.close()
        #expect(report.progress.follow?.state == .done)
        #expect(writing.rounds.load(ordering: .relaxed) >= 20, "the writer wrote \(writing.rounds.load(ordering: .relaxed)) rounds")
        try await FollowKindsTests.expectEqual(source, target, schema: "soak")
        let view: PGQuery = "SELECT n, total FROM soak.counts"
        #expect(try await target.query(view).rows.map { [$0[0], $0[1]] } == source.query(view).rows.map { [$0[0], $0[1]] })
        let sequence: PGQuery = "SELECT last_value FROM soak.ident_id_seq"
        #expect(try await target.query(sequence).rows[0][0] == source.query(sequence).rows[0][0])
        #expect(try await source.query("SELECT count(*) AS n FROM pg_replication_slots WHERE slot_name = \(slot)").rows[0].int("n") == 0)
        #expect(try await source.query("SELECT count(*) AS n FROM pg_publication").rows[0].int("n") == 0)
    }
}
