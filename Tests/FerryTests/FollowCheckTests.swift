@testable import Ferry
import FerryTestSupport
import Foundation
import Testing

/// The follow preflight and the cleanup of leftovers, against real servers.
@Suite struct FollowCheckTests {
    /// The refusals other than slot and WAL sender capacity, which depends on what else runs on
    /// the shared test server at the moment.
    static func refusals(_ connection: PGConnection, schemas: [String],
                         excluding excluded: Set<QualifiedName> = []) async throws -> [FollowPreflight.Refusal] {
        FollowPreflight.refusals(try await FollowCheck.facts(connection, schemas: schemas), excluding: excluded).filter {
            switch $0 {
            case .noFreeReplicationSlot, .noFreeWALSender: false
            default: true
            }
        }
    }

    @Test func tablesWithoutReplicaIdentityAreRefusedAndFullOrUsingIndexPass() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "follow_identity")
        try await source.execute("""
            CREATE SCHEMA app;
            CREATE TABLE app.keyed (id int PRIMARY KEY);
            CREATE TABLE app.no_key (id int, note text);
            CREATE TABLE app.nothing (id int PRIMARY KEY);
            ALTER TABLE app.nothing REPLICA IDENTITY NOTHING;
            CREATE TABLE app.full_identity (id int);
            ALTER TABLE app.full_identity REPLICA IDENTITY FULL;
            CREATE TABLE app.by_index (code text NOT NULL);
            CREATE UNIQUE INDEX by_index_code ON app.by_index (code);
            ALTER TABLE app.by_index REPLICA IDENTITY USING INDEX by_index_code;
            CREATE UNLOGGED TABLE app.scratch (id int);
            CREATE TABLE app.excluded (id int);
            CREATE TABLE app.parted (id int, day date) PARTITION BY RANGE (day);
            CREATE TABLE app.parted_2026 PARTITION OF app.parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            INSERT INTO app.no_key VALUES (1, 'a');
            """)
        // The hazard is real: published, the unkeyed table takes no UPDATE on the source.
        try await source.execute("""
            BEGIN; CREATE PUBLICATION hazard FOR TABLE app.no_key;
            DO $$ BEGIN UPDATE app.no_key SET note = 'b'; RAISE EXCEPTION 'the update passed';
            EXCEPTION WHEN object_not_in_prerequisite_state THEN NULL; END $$;
            ROLLBACK;
            """)

        let connection = try await PGConnection.connect(source.configuration)
        try await connection.closing { connection in
            let excluded: Set = [QualifiedName("app", "excluded")]
            await #expect {
                try await FollowCheck.run(connection, schemas: ["app"], excluding: excluded)
            } throws: { error in
                let text = "\(error)"
                return text.contains("app.no_key (no primary key)") && text.contains("app.nothing (REPLICA IDENTITY NOTHING)")
                    && text.contains("app.parted_2026 (no primary key)")
                    && text.contains("ALTER TABLE app.no_key REPLICA IDENTITY FULL")
                    && !text.contains("keyed (") && !text.contains("full_identity") && !text.contains("by_index")
                    && !text.contains("scratch") && !text.contains("app.excluded") && !text.contains("wal_level")
            }

            try await connection.execute("""
                ALTER TABLE app.no_key REPLICA IDENTITY FULL;
                ALTER TABLE app.nothing REPLICA IDENTITY DEFAULT;
                ALTER TABLE app.parted_2026 ADD PRIMARY KEY (id, day);
                """)
            #expect(try await Self.refusals(connection, schemas: ["app"], excluding: excluded).isEmpty)
            let facts = try await FollowCheck.facts(connection, schemas: ["app"])
            #expect(facts.walLevel == "logical")
            #expect(facts.tables.map(\.name.name).sorted()
                == ["by_index", "excluded", "full_identity", "keyed", "no_key", "nothing", "parted_2026"])
            #expect(facts.replicationSlotsInUse < facts.maxReplicationSlots)
        }
    }

    @Test func aSourceWithWalLevelReplicaIsRefusedNamingTheSetting() async throws {
        let cluster = try ThrowawayCluster()
        defer { cluster.stop() }
        let connection = try await PGConnection.connect(cluster.server.configuration())
        try await connection.closing { connection in
            let level = try await connection.query("SELECT current_setting('wal_level') AS level").rows[0].string("level")
            try #require(level != "logical", "a throw-away cluster runs with the default wal_level")
            await #expect {
                try await FollowCheck.run(connection, schemas: ["public"])
            } throws: { error in
                let text = "\(error)"
                return text.contains("wal_level is \(level)") && text.contains("ALTER SYSTEM SET wal_level = logical")
                    && !text.contains("ALTER ROLE")
            }
        }
    }

    @Test func aRoleWithoutReplicationIsRefusedUntilGrantedIt() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "follow_role")
        let role = "pgferry_follow_\(UInt32.random(in: 0...UInt32.max))"
        try await source.execute("CREATE ROLE \(role) LOGIN")
        let connection = try await PGConnection.connect(source.server.configuration(database: source.name, user: role))
        try await connection.closing { connection in
            await #expect {
                try await FollowCheck.run(connection, schemas: ["public"])
            } throws: { "\($0)".contains("role \(role) may not open a replication connection: ALTER ROLE \(role) REPLICATION") }
            // The server agrees: it refuses the role a replication connection.
            await #expect(throws: PGError.self) {
                _ = try await PGReplicationConnection.connect(source.server.configuration(database: source.name, user: role))
            }
            try await source.execute("ALTER ROLE \(role) REPLICATION")
            #expect(try await Self.refusals(connection, schemas: ["public"]).isEmpty)
        }
        try await source.execute("DROP ROLE \(role)")
    }

    @Test func cleanupDropsAbandonedSlotsAndPublicationsAndLeavesActiveOnesAndOthers() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "follow_cleanup")
        // Slot names are unique across the cluster: tagged per run.
        let tag = UInt32.random(in: 0...UInt32.max)
        let (abandonedSlot, runningSlot, otherSlot) = ("pgferry_abandoned_\(tag)", "pgferry_running_\(tag)", "other_slot_\(tag)")
        try await source.execute("""
            CREATE TABLE t (id int PRIMARY KEY);
            CREATE PUBLICATION pgferry_pub_abandoned FOR TABLE t;
            CREATE PUBLICATION someone_elses FOR TABLE t;
            """)
        // Each in a transaction of its own: a slot is created only in one that wrote nothing.
        for slot in [abandonedSlot, otherSlot] {
            _ = try await source.query("SELECT pg_create_logical_replication_slot(\(slot), 'pgoutput')")
        }
        try await source.execute("INSERT INTO t SELECT generate_series(1, 1000)")
        // A slot a connection streams from is in use: cleanup leaves it.
        let replication = try await PGReplicationConnection.connect(source.configuration)
        _ = try await replication.createLogicalSlot(runningSlot, exportSnapshot: false)
        let stream = try await replication.startLogicalReplication(
            slot: runningSlot, options: [("proto_version", "1"), ("publication_names", "\"pgferry_pub_abandoned\"")])

        let connection = try await PGConnection.connect(source.configuration)
        try await connection.closing { connection in
            let leftovers = try await ReplicationCleanup.find(connection)
            #expect(leftovers.slots.map(\.name) == [abandonedSlot, runningSlot])
            #expect(leftovers.publications == ["pgferry_pub_abandoned"])
            let abandoned = try #require(leftovers.slots.first)
            #expect(!abandoned.active && (abandoned.retainedBytes ?? 0) > 0, "the slot keeps the WAL of the inserts")
            #expect(abandoned.walStatus == "reserved")

            let report = try await ReplicationCleanup.drop(connection)
            #expect(report.droppedSlots.map(\.name) == [abandonedSlot])
            #expect(report.droppedPublications == ["pgferry_pub_abandoned"])
            #expect(report.slotsInUse.map(\.name) == [runningSlot])
            let remaining = try await connection.query("""
                SELECT slot_name::text AS name FROM pg_replication_slots WHERE database = current_database() ORDER BY 1
                """).rows.map { try $0.string("name") }
            #expect(remaining == [otherSlot, runningSlot].sorted())
            let publications = try await connection.query("SELECT pubname::text AS name FROM pg_publication")
                .rows.map { try $0.string("name") }
            #expect(publications == ["someone_elses"])

            await #expect { _ = try await ReplicationCleanup.find(connection, prefix: "") } throws: { "\($0)".contains("accepted") }

            // Once the follow ends, its slot is a leftover like any other.
            try await stream.end()
            await replication.close()
            for _ in 0..<50 {
                if try await ReplicationCleanup.find(connection).slots.first?.active == false { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await ReplicationCleanup.drop(connection).droppedSlots.map(\.name) == [runningSlot])
            _ = try await connection.query("SELECT pg_drop_replication_slot(\(otherSlot))")
        }
    }
}
