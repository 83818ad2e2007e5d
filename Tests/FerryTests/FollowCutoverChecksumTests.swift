@testable import Ferry
import FerryTestSupport
import Foundation
import Testing

extension FollowTests {
    /// Waits until `migration` streams, for at most 60 s.
    static func waitUntilStreaming(_ migration: Migration) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while migration.progress.follow?.state != .streaming && ContinuousClock.now < deadline {
            if migration.progress.status == .error { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(migration.progress.follow?.state == .streaming, "\(migration.progress.error ?? "follow never started streaming")")
    }

    /// With `cutoverChecksums`, cutover compares every table's rows, not only their counts: a run
    /// whose target holds the source's rows ends, one with a row changed on the target only fails
    /// naming its table. While following, status shows the WAL the slot retains.
    @Test func cutoverChecksumsCatchARowChangedOnTheTarget() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "follow_sums_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "follow_sums_tgt")
        try await source.execute("""
            CREATE SCHEMA c; CREATE TABLE c.a (id int PRIMARY KEY, v text); CREATE TABLE c.b (id int PRIMARY KEY, v text);
            INSERT INTO c.a SELECT i, 'a' || i FROM generate_series(1, 100) i;
            INSERT INTO c.b SELECT i, 'b' || i FROM generate_series(1, 100) i
            """)
        let request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["c"],
                                       follow: true, cutoverChecksums: true)

        let equal = Migration(request: request)
        let equalRun = Task { try await equal.run() }
        try await Self.waitUntilStreaming(equal)
        try await source.execute("SET synchronous_commit = on; UPDATE c.a SET v = 'followed' WHERE id = 1")
        let deadline = ContinuousClock.now + .seconds(30)
        while (equal.progress.follow?.retainedBytes ?? 0) <= 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect((equal.progress.follow?.retainedBytes ?? 0) > 0, "status never showed the WAL the slot retains")
        equal.cutover()
        let report = try await equalRun.value
        #expect(report.progress.follow?.state == .done)
        #expect(report.progress.follow?.retainedBytes == 0)  // the slot is gone
        #expect(try await target.query("SELECT v FROM c.a WHERE id = 1").rows.map { $0[0] } == ["followed"])

        // A fresh copy (the slot was dropped), then a row the source never touches changed on the target.
        let diverged = Migration(request: request)
        let divergedRun = Task { try await diverged.run() }
        try await Self.waitUntilStreaming(diverged)
        try await target.execute("UPDATE c.b SET v = 'diverged' WHERE id = 7")
        diverged.cutover()
        await #expect {
            try await divergedRun.value
        } throws: { "\($0)".contains("c.b (checksums differ, 100 rows on both sides)") && !"\($0)".contains("c.a") }
        // The failed cutover keeps the slot for a resume: dropped here.
        let slot = try #require(diverged.progress.follow?.slot)
        _ = try await target.query("SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin WHERE roname = \(slot)")
        _ = try await source.query("SELECT pg_drop_replication_slot(\(slot))")
        try await source.execute("DO $$ DECLARE p text; BEGIN FOR p IN SELECT pubname FROM pg_publication LOOP EXECUTE format('DROP PUBLICATION %I', p); END LOOP; END $$")
    }
}
