import Ferry
import FerryTestSupport
import Testing

@Suite struct TextSearchTargetTests {
    /// pg_dump's output fails halfway for a non-superuser; pgferry says so before writing anything.
    @Test func parsersAndTemplatesNeedASuperuserOnTheTarget() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "tsuser_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "tsuser_tgt")
        try await source.execute("""
            CREATE SCHEMA ts;
            CREATE TEXT SEARCH TEMPLATE ts.plain (INIT = dsimple_init, LEXIZE = dsimple_lexize);
            CREATE TEXT SEARCH DICTIONARY ts.plain_dict (TEMPLATE = ts.plain);
            """)
        try await target.execute("""
            DO $$ BEGIN CREATE ROLE pgferry_plain_user LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            GRANT CREATE ON DATABASE "\(target.name)" TO pgferry_plain_user;
            """)
        var plainTarget = target.configuration
        plainTarget["user"] = "pgferry_plain_user"
        do {
            try await Migration(request: MigrationRequest(source: source.configuration, target: plainTarget, schemas: ["ts"])).run()
            Issue.record("the run must be refused")
        } catch {
            #expect("\(error)".contains("only a superuser can create text search template ts.plain"), "\(error)")
        }
        let report = try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                                   schemas: ["ts"])).run()
        #expect(report.progress.status == .complete)
        #expect(try source.schemaDump(["ts"]) == (try target.schemaDump(["ts"])))
    }
}
