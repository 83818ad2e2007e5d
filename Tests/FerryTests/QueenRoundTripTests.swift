import Ferry
import FerryTestSupport
import Testing

/// The Queen-shaped fixture moved between two servers, checked with pg_dump and checksums.
@Suite struct QueenRoundTripTests {
    @Test(arguments: [FormatPolicy.auto, .text])
    func queenFixtureRoundTrips(format: FormatPolicy) async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "queen_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "queen_tgt")
        try await source.loadFixture("queen", scale: 0.3)
        let sideTablesBefore = try await source.query(
            "SELECT (SELECT count(*) FROM queen.queue_lag_metrics) AS lag, (SELECT row_to_json(s)::text FROM queen.worker_metrics_summary s) AS summary")

        let report = try await Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: ["queen"], jobs: 2, format: format,
            chunkSize: 4096)).run()

        #expect(report.progress.status == .complete)
        #expect(report.progress.tables.count == 20)
        #expect(report.progress.tables.allSatisfy { $0.state == .done })
        if format == .text { #expect(report.progress.tables.allSatisfy { $0.format == .text }) }
        #expect(try source.schemaDump(["queen"]) == (try target.schemaDump(["queen"])))

        let validation = try await Validator(source: source.configuration, target: target.configuration,
                                             schemas: ["queen"], checksums: true).validate()
        #expect(validation.tables.count == 20)
        #expect(validation.allMatch, "\(validation.tables.filter { !$0.match })")
        #expect(validation.tables.allSatisfy { $0.sourceChecksum != nil && $0.sourceChecksum == $0.targetChecksum })

        // The triggers were created after the data: loading did not fire them on the target.
        let sideTablesAfter = try await target.query(
            "SELECT (SELECT count(*) FROM queen.queue_lag_metrics) AS lag, (SELECT row_to_json(s)::text FROM queen.worker_metrics_summary s) AS summary")
        #expect(sideTablesAfter.rows[0].values == sideTablesBefore.rows[0].values)
        let triggers = try await target.query("SELECT count(*) AS n FROM pg_trigger WHERE NOT tgisinternal")
        #expect(try triggers.rows[0].int("n") == 3)
    }

    @Test func rerunningOverAPreviousRunStartsClean() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "rerun_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "rerun_tgt")
        try await source.loadFixture("queen", scale: 0.05)
        let request = MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["queen"])
        try await Migration(request: request).run()
        try await target.execute("INSERT INTO queen.system_state (key, value) VALUES ('leftover', '{}')")
        try await Migration(request: request).run()
        let validation = try await Validator(source: source.configuration, target: target.configuration,
                                             schemas: ["queen"]).validate()
        #expect(validation.allMatch)
    }
}
