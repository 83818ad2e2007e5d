import Ferry
import FerryTestSupport
import PGClient
import Testing

/// Issue 9, item 8: large objects are database-wide (pg_dump -n leaves them out). pgferry names
/// them before the run and copies them, same OIDs, in chunks, only with `largeObjects`.
@Suite struct LargeObjectTests {
    /// A 3.5 MiB object (four 1 MiB reads), an empty one, a small one with a comment and an owner,
    /// and a table that refers to them by OID.
    static func populate(_ source: TestDatabase) async throws {
        // Roles are per server, and tests run side by side: the loser of the race finds it there.
        _ = try? await source.execute("CREATE ROLE pgferry_lo_owner")
        try await source.execute("""
            CREATE SCHEMA docs;
            CREATE TABLE docs.files (id int PRIMARY KEY, blob oid);
            SELECT lo_from_bytea(424242, decode(repeat(md5(g::text), 1), 'hex')) FROM generate_series(1, 1) g;
            SELECT lo_put(424242, 0, (SELECT string_agg(decode(md5(g::text), 'hex'), ''::bytea) FROM generate_series(1, 229376) g));
            SELECT lo_create(424243);
            SELECT lo_from_bytea(424244, 'hello, large object'::bytea);
            COMMENT ON LARGE OBJECT 424244 IS 'a greeting';
            ALTER LARGE OBJECT 424244 OWNER TO pgferry_lo_owner;
            INSERT INTO docs.files VALUES (1, 424242), (2, 424243), (3, 424244);
            """)
    }

    static let checksums: PGQuery = """
        SELECT m.oid::text AS oid, pg_catalog.md5(pg_catalog.lo_get(m.oid)) AS md5,
               pg_catalog.octet_length(pg_catalog.lo_get(m.oid)) AS size,
               pg_catalog.obj_description(m.oid, 'pg_largeobject') AS comment, pg_catalog.pg_get_userbyid(m.lomowner) AS owner
        FROM pg_catalog.pg_largeobject_metadata m WHERE m.oid BETWEEN 424242 AND 424244 ORDER BY m.oid
        """

    @Test func largeObjectsAreNamedAndLeftOutUnlessAsked() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "lo_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "lo_tgt")
        try await Self.populate(source)
        let report = try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                                   schemas: ["docs"])).run()
        #expect(report.plan.largeObjects.count == 3)
        let note = try #require(report.progress.hazards.first { $0.contains("large object") })
        #expect(note.hasPrefix("3 large objects ("), "\(note)")
        #expect(note.contains("not copied (--large-objects copies them)"))
        #expect(report.progress.largeObjects == nil)
        #expect(try await target.query(Self.checksums).rows.isEmpty)
    }

    @Test func largeObjectsAreCopiedWithTheirOIDsCommentsAndOwners() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "lo_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "lo_tgt")
        try await Self.populate(source)
        // The target holds an object with one of the source's OIDs (replaced) and one of its own (kept).
        _ = try? await target.execute("CREATE ROLE pgferry_lo_owner")
        try await target.execute("""
            SELECT lo_from_bytea(424243, 'stale bytes'::bytea);
            SELECT lo_from_bytea(515151, 'the target''s own'::bytea);
            """)
        let report = try await Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: ["docs"], includeOwnership: true,
            largeObjects: true)).run()
        #expect(report.progress.largeObjects == LargeObjectProgress(total: 3, copied: 3, bytes: 3_670_016 + 19))
        #expect(report.progress.hazards.contains { $0.contains("are copied; a large object with the same OID on the target is replaced") })
        let expected = try await source.query(Self.checksums).rows.map(\.values)
        #expect(expected.count == 3)
        #expect(try await target.query(Self.checksums).rows.map(\.values) == expected)
        let kept = try await target.query("SELECT convert_from(lo_get(515151), 'UTF8') AS text").rows[0].string("text")
        #expect(kept == "the target's own")
        let validation = try await Validator(source: source.configuration, target: target.configuration,
                                             schemas: ["docs"], checksums: true, largeObjects: true).validate()
        #expect(validation.allMatch)
        #expect(validation.largeObjects?.targetCount == 3)
        let compare = SchemaCompare(source: source.configuration, target: target.configuration, schemas: ["docs"],
                                    largeObjects: true)
        #expect(try await compare.compare().isEqual)
        // One byte changed on the target: the checksums tell.
        try await target.execute("SELECT lo_put(424242, 1000000, '\\x00'::bytea)")
        let changed = try await Validator(source: source.configuration, target: target.configuration,
                                          schemas: ["docs"], checksums: true, largeObjects: true).validate()
        #expect(!changed.allMatch && changed.largeObjects?.match == false)
        let drifted = try await compare.compare()
        #expect(drifted.different.map(\.object) == [InventoryKey(kind: "large objects", identity: "of the database")])
    }

    @Test func aLargeObjectTheSourceRoleCannotReadRefusesTheRunBeforeTheTargetIsTouched() async throws {
        let server = try await TestServers.source
        let source = try await TestDatabase.create(on: server, "lo_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "lo_tgt")
        _ = try? await source.execute("CREATE ROLE pgferry_lo_reader LOGIN")
        try await source.execute("""
            CREATE SCHEMA docs; CREATE TABLE docs.files (id int);
            GRANT USAGE ON SCHEMA docs TO pgferry_lo_reader; GRANT SELECT ON docs.files TO pgferry_lo_reader;
            SELECT lo_from_bytea(0, 'private'::bytea);
            """)
        try await target.execute("CREATE SCHEMA docs; CREATE TABLE docs.keep (id int)")
        let reader = server.configuration(database: source.name, user: "pgferry_lo_reader")
        let error = await #expect(throws: PlanError.self) {
            try await Migration(request: MigrationRequest(source: reader, target: target.configuration, schemas: ["docs"],
                                                          largeObjects: true)).run()
        }
        #expect(error == .unreadableLargeObjects(count: 1))
        #expect(try await target.query("SELECT to_regclass('docs.keep') IS NOT NULL AS kept").rows[0].bool("kept"))
    }
}
