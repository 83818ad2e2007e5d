import Ferry
import FerryTestSupport
import Testing

@Suite struct SlicedCopyTests {
    @Test func aGiantTableIsCopiedInSlicesFromOneSnapshot() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "slice_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "slice_tgt")
        try await source.execute("""
            CREATE SCHEMA big;
            CREATE TABLE big.giant (id bigint PRIMARY KEY, payload text, at timestamptz DEFAULT now());
            CREATE INDEX giant_at ON big.giant (at DESC);
            CREATE TABLE big.small (id int PRIMARY KEY, giant_id bigint REFERENCES big.giant (id));
            INSERT INTO big.giant (id, payload) SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 60000) g;
            DELETE FROM big.giant WHERE id % 7 = 0;
            INSERT INTO big.small SELECT g, g FROM generate_series(1, 100) g WHERE g % 7 <> 0;
            """)
        let report = try await Migration(request: MigrationRequest(
            source: source.configuration, target: target.configuration, schemas: ["big"], jobs: 3,
            sliceMinimumBytes: 1)).run()
        #expect(report.plan.copyTasks.filter { $0.table.name == "giant" }.count == 3)
        let giant = try #require(report.progress.tables.first { $0.table == "big.giant" })
        #expect(giant.state == .done)
        #expect(giant.rows == 60000 - 60000 / 7)
        #expect(try source.schemaDump(["big"]) == (try target.schemaDump(["big"])))
        let validation = try await Validator(source: source.configuration, target: target.configuration, schemas: ["big"],
                                             checksums: true).validate()
        #expect(validation.allMatch)
    }
}
