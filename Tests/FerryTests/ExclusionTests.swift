import Ferry
import FerryTestSupport
import Testing

@Suite struct ExclusionTests {
    @Test func excludedDataKeepsDDLAndOrphanedKeysBecomeNotValid() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "excl_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "excl_tgt")
        try await source.loadFixture("queen", scale: 0.05)
        let report = try await Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: ["queen"],
            excludeTableData: ["messages", "stats_history"])).run()

        #expect(report.progress.tables.first { $0.table == "queen.messages" }?.state == .skipped)
        #expect(report.plan.hazards.map(\.constraint.name).sorted()
            == ["dead_letter_queue_message_id_fkey", "message_traces_message_id_fkey"])
        #expect(report.progress.hazards.count == 2)
        let counts = try await target.query("""
            SELECT (SELECT count(*) FROM queen.messages) AS messages, (SELECT count(*) FROM queen.message_traces) AS traces,
                   (SELECT count(*) FROM pg_indexes WHERE schemaname = 'queen' AND tablename = 'messages') AS message_indexes,
                   (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE NOT convalidated
                     AND connamespace = 'queen'::regnamespace) AS not_valid
            """).rows[0]
        #expect(try counts.int("messages") == 0)
        #expect(try counts.int("traces") > 0)
        #expect(try counts.int("message_indexes") >= 3, "excluded tables keep their indexes")
        #expect(try counts.optionalString("not_valid") == "dead_letter_queue_message_id_fkey,message_traces_message_id_fkey")

        let validation = try await Validator(source: source.configuration, target: target.configuration,
                                             schemas: ["queen"], excludedTables: ["messages", "stats_history"]).validate()
        #expect(validation.allMatch)
        #expect(validation.tables.filter(\.skipped).map(\.table).sorted() == ["queen.messages", "queen.stats_history"])
    }

    @Test func excludeChildPolicyDropsTheOrphansData() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "exch_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "exch_tgt")
        try await source.loadFixture("queen", scale: 0.05)
        let report = try await Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: ["queen"],
            excludeTableData: ["messages"], orphanPolicy: .excludeChild)).run()
        let skipped = Set(report.progress.tables.filter { $0.state == .skipped }.map(\.table))
        #expect(skipped == ["queen.messages", "queen.message_traces", "queen.message_trace_names", "queen.dead_letter_queue"])
        let notValid = try await target.query("SELECT count(*) AS n FROM pg_constraint WHERE NOT convalidated")
        #expect(try notValid.rows[0].int("n") == 0)
    }

    @Test func anUnknownTableNameFailsBeforeTheTargetIsTouched() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "unk_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "unk_tgt")
        try await source.loadFixture("queen", scale: 0.01)
        try await target.execute("CREATE SCHEMA queen; CREATE TABLE queen.keep_me (id int)")
        let migration = Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: ["queen"], excludeTableData: ["mesages"]))
        await #expect {
            try await migration.run()
        } throws: { error in
            "\(error)".contains("\"mesages\"") && "\(error)".contains("accepted:") && "\(error)".contains("messages")
        }
        #expect(migration.progress.status == .error)
        #expect(try await target.query("SELECT count(*) AS n FROM queen.keep_me").rows[0].int("n") == 0)
    }
}
