import Ferry
import FerryTestSupport
import Testing

/// Issue 17, point 3: the compare tells "reads differently" from "is different". Its oracle: a
/// target restored by `pg_dump | psql` compares equal, while real differences are still reported.
@Suite struct CompareRereadingTests {
    /// What PostgreSQL prints differently once restored: a `varchar` column's `IN` list (in a
    /// CHECK, a partial index, a view, a policy, a default), a `UNION ALL` branch's bare
    /// `NULL::integer`, a view's options in another order.
    static let readsDifferently = """
        CREATE SCHEMA rd;
        CREATE TABLE rd.releases (id int PRIMARY KEY, status varchar(20) NOT NULL
                                  CONSTRAINT releases_status_check CHECK (status IN ('draft', 'published', 'archived')),
                                  channel varchar DEFAULT (CASE WHEN true THEN 'web' END), n int);
        CREATE INDEX releases_live ON rd.releases (id) WHERE status IN ('draft', 'published');
        CREATE TABLE rd.events (id int, n int);
        CREATE VIEW rd.release_event AS
            SELECT id, NULL::integer FROM rd.releases WHERE status IN ('draft', 'published') UNION ALL SELECT id, n FROM rd.events;
        CREATE VIEW rd.live WITH (check_option = local, security_barrier = true) AS
            SELECT id, status FROM rd.releases WHERE status IN ('draft', 'published');
        ALTER TABLE rd.releases ENABLE ROW LEVEL SECURITY;
        CREATE POLICY releases_public ON rd.releases USING (status IN ('published', 'archived'));
        CREATE DOMAIN rd.state AS varchar CHECK (VALUE IN ('on', 'off'));
        INSERT INTO rd.releases SELECT g, (ARRAY['draft', 'published', 'archived'])[1 + g % 3] FROM generate_series(1, 30) g;
        """

    @Test func aPgDumpRestoreComparesEqualAndRealDifferencesStayDifferences() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "reread_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "reread_tgt")
        try await source.loadFixture("torture", scale: 0.1)
        try await source.execute(Self.readsDifferently)
        try await target.loadFixturePrerequisites("torture")
        try await target.restore(from: source, schemas: ["torture", "rd"])
        let compare = SchemaCompare(source: source.configuration, target: target.configuration, schemas: ["torture", "rd"])
        let restored = try await compare.compare()
        #expect(restored.isEqual, "\(restored.lines)")
        #expect(restored.notes.contains { $0.contains("read differently on the target but") },
                "the restore reads differently, so re-reading was needed: \(restored.notes)")

        // Real differences are still differences, whatever the target prints.
        try await target.execute("""
            ALTER TABLE rd.releases DROP CONSTRAINT releases_status_check;
            ALTER TABLE rd.releases ADD CONSTRAINT releases_status_check CHECK (status IN ('draft', 'published')) NOT VALID;
            CREATE OR REPLACE VIEW rd.release_event AS
                SELECT id, NULL::integer FROM rd.releases WHERE status IN ('draft', 'archived') UNION ALL SELECT id, n FROM rd.events;
            ALTER VIEW rd.live SET (security_barrier = false);
            ALTER POLICY releases_public ON rd.releases USING (status IN ('published'));
            ALTER TABLE rd.releases ALTER COLUMN channel SET DEFAULT 'app';
            DROP INDEX rd.releases_live;
            CREATE INDEX releases_live ON rd.releases (id) WHERE status IN ('draft');
            """)
        let changed = try await compare.compare()
        let different = Dictionary(uniqueKeysWithValues: changed.different.map { ($0.object, $0.facets.map(\.facet)) })
        #expect(different[InventoryKey(kind: "table constraint", identity: "releases_status_check on rd.releases")] == ["definition"])
        // View queries are compared between servers of one major version only (the compare says so).
        let sameMajor = changed.sourceVersion / 10000 == changed.targetVersion / 10000
        #expect(different[InventoryKey(kind: "view", identity: "rd.release_event")] == (sameMajor ? ["query"] : nil))
        #expect(different[InventoryKey(kind: "view", identity: "rd.live")] == ["options"])
        #expect(different[InventoryKey(kind: "policy", identity: "releases_public on rd.releases")] == ["using"])
        #expect(different[InventoryKey(kind: "table column", identity: "rd.releases.channel")] == ["default"])
        #expect(different[InventoryKey(kind: "index", identity: "rd.releases_live")] == ["definition"])
        #expect(changed.different.count == (sameMajor ? 6 : 5), "\(changed.lines)")
        // A long text (the view's query, compared within one major version) shows where it
        // differs: the differing lines, not a shared prefix.
        let lines = changed.lines
        if sameMajor {
            #expect(lines.contains { $0.hasPrefix("      - ") && $0.contains("'published'::character varying") },
                    "\(lines.joined(separator: "\n"))")
            #expect(lines.contains { $0.hasPrefix("      + ") && $0.contains("'archived'::character varying") })
            #expect(!lines.contains { $0.contains("SELECT releases.id") }, "the common first lines are left out")
        }
    }

    @Test func pgferrysOwnRunOnTheSameSchemaComparesEqual() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "reread_run_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "reread_run_tgt")
        try await source.execute(Self.readsDifferently)
        let report = try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                                   schemas: ["rd"])).run()
        #expect(report.progress.status == .complete)
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")
    }
}
