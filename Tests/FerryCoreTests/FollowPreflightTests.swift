import FerryCore
import Testing

@Suite struct FollowPreflightTests {
    static let keyed = FollowPreflight.Table(QualifiedName("app", "orders"), identity: .default, hasIdentityIndex: true)

    static func facts(walLevel: String = "logical", slots: (max: Int, inUse: Int) = (10, 0), senders: (max: Int, inUse: Int) = (10, 0),
                      superuser: Bool = false, replication: Bool = true,
                      tables: [FollowPreflight.Table] = [keyed]) -> FollowPreflight.SourceFacts {
        FollowPreflight.SourceFacts(walLevel: walLevel, maxReplicationSlots: slots.max, replicationSlotsInUse: slots.inUse,
                                    maxWALSenders: senders.max, walSendersInUse: senders.inUse, role: "Mig rator",
                                    roleIsSuperuser: superuser, roleHasReplication: replication, tables: tables)
    }

    @Test func aReadySourceIsNotRefused() {
        #expect(FollowPreflight.refusals(Self.facts()).isEmpty)
        #expect(FollowPreflight.refusals(Self.facts(slots: (10, 9), senders: (10, 9))).isEmpty, "one free of each is enough")
        #expect(FollowPreflight.refusals(Self.facts(superuser: true, replication: false)).isEmpty, "a superuser may replicate")
    }

    @Test func eachSettingRefusalNamesTheSettingAndTheFix() {
        let refusals = FollowPreflight.refusals(Self.facts(walLevel: "replica", slots: (4, 4), senders: (0, 0), replication: false))
        #expect(refusals == [.walLevel("replica"), .noFreeReplicationSlot(max: 4, inUse: 4), .noFreeWALSender(max: 0, inUse: 0),
                             .noReplicationAttribute(role: "Mig rator")])
        let text = refusals.map(\.description)
        #expect(text[0].contains("wal_level is replica") && text[0].contains("ALTER SYSTEM SET wal_level = logical")
            && text[0].contains("restart"))
        #expect(text[1].contains("max_replication_slots = 4, 4 in use") && text[1].contains("pg_drop_replication_slot"))
        #expect(text[2].contains("max_wal_senders = 0") && text[2].contains("raise max_wal_senders"))
        #expect(text[3].contains("ALTER ROLE \"Mig rator\" REPLICATION"), "the role is quoted in the fix")
    }

    @Test func tablesWithoutReplicaIdentityAreRefusedByNameWithTheFix() {
        let tables = [
            Self.keyed,
            FollowPreflight.Table(QualifiedName("app", "no key"), identity: .default, hasIdentityIndex: false),
            FollowPreflight.Table(QualifiedName("app", "events"), identity: .nothing, hasIdentityIndex: false),
            FollowPreflight.Table(QualifiedName("app", "log"), identity: .full, hasIdentityIndex: false),
            FollowPreflight.Table(QualifiedName("app", "by_index"), identity: .index, hasIdentityIndex: true),
            FollowPreflight.Table(QualifiedName("app", "index_dropped"), identity: .index, hasIdentityIndex: false),
        ]
        let refusals = FollowPreflight.refusals(Self.facts(tables: tables))
        guard refusals.count == 1, case .noReplicaIdentity(let refused)? = refusals.first else {
            Issue.record("expected one replica identity refusal, got \(refusals)")
            return
        }
        #expect(refused.map(\.name.name) == ["events", "index_dropped", "no key"])
        let text = refusals[0].description
        #expect(text.contains("app.events (REPLICA IDENTITY NOTHING)"))
        #expect(text.contains("app.\"no key\" (no primary key)"))  // named one way: as PostgreSQL quotes it
        #expect(text.contains("app.index_dropped (its REPLICA IDENTITY index is gone)"))
        #expect(text.contains("ALTER TABLE app.\"no key\" REPLICA IDENTITY FULL"))
        #expect(text.contains("--replica-identity-full"))
        #expect(!text.contains("app.log") && !text.contains("by_index") && !text.contains("orders"))
    }

    @Test func excludedTablesAreNotPublishedSoTheirIdentityDoesNotMatter() {
        let unkeyed = FollowPreflight.Table(QualifiedName("app", "scratch"), identity: .default, hasIdentityIndex: false)
        #expect(FollowPreflight.refusals(Self.facts(tables: [Self.keyed, unkeyed]), excluding: [unkeyed.name]).isEmpty)
        #expect(FollowPreflight.refusals(Self.facts(tables: [Self.keyed, unkeyed]), excluding: [Self.keyed.name]).count == 1)
    }
}
