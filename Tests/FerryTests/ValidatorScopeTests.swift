@testable import Ferry
import FerryTestSupport
import Foundation
import Testing

/// Validation ends with its connections closed however it ends, bounds each query, and tells a
/// missing target table (a mismatch) from a failure (an error).
@Suite struct ValidatorScopeTests {
    /// pgferry's sessions on `database`, waited for up to 5 s to go (a backend exits just after
    /// the client's Terminate message).
    static func sessionsLeft(on database: TestDatabase) async throws -> Int {
        try await PGConnection.withConnection(database.server.configuration()) { admin in
            var count = 0
            for _ in 0..<50 {
                count = try await admin.query("""
                    SELECT count(*) AS n FROM pg_stat_activity WHERE datname = \(database.name) AND application_name = 'pgferry'
                    """).rows[0].int("n")
                if count == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            return count
        }
    }

    @Test func aSlowTableFailsAtTheStatementTimeoutAndNoConnectionStaysOpen() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "vscope_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "vscope_tgt")
        let schema = "CREATE SCHEMA big; CREATE TABLE big.rows (id int, payload text);"
        try await source.execute(schema + "INSERT INTO big.rows SELECT g, md5(g::text) FROM generate_series(1, 300000) g")
        try await target.execute(schema)
        let start = ContinuousClock.now
        let failed = await #expect(throws: FerryError.self) {
            try await Validator(source: source.configuration, target: target.configuration, schemas: ["big"],
                                checksums: true, statementTimeout: .milliseconds(150)).validate()
        }
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(failed?.message.hasPrefix("table big.rows (source): checksumming it took longer than the statement timeout") == true,
                "\(failed?.message ?? "")")
        #expect(failed?.message.contains("--statement-timeout") == true)
        #expect(try await Self.sessionsLeft(on: source) == 0)
        #expect(try await Self.sessionsLeft(on: target) == 0)

        // Without a limit the same validation runs to the end: the missing rows are a mismatch.
        let report = try await Validator(source: source.configuration, target: target.configuration, schemas: ["big"],
                                         checksums: true, statementTimeout: .zero).validate()
        #expect(!report.allMatch && report.tables.first?.sourceCount == 300000 && report.tables.first?.targetCount == 0)
        #expect(try await Self.sessionsLeft(on: source) == 0)
    }

    @Test func aMissingTargetTableIsAMismatchNotAnError() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "vmiss_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "vmiss_tgt")
        try await source.execute("CREATE SCHEMA s; CREATE TABLE s.a (id int); CREATE TABLE s.b (id int); INSERT INTO s.b VALUES (1)")
        try await target.execute("CREATE SCHEMA s; CREATE TABLE s.a (id int)")
        let report = try await Validator(source: source.configuration, target: target.configuration, schemas: ["s"]).validate()
        #expect(report.tables.map(\.table) == ["s.a", "s.b"])
        #expect(report.tables.map(\.match) == [true, false])
        #expect(report.tables.last?.targetCount == -1)
    }

    @Test func sourceSessionsQuoteLiteralsTheWayPgferryDoes() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "vscs")
        try await source.execute("ALTER DATABASE \(source.name) SET standard_conforming_strings = off")
        let (setting, literal) = try await Connections.withSource(source.configuration) { connection, _ in
            (try await connection.query("SHOW standard_conforming_strings").rows[0].string("standard_conforming_strings"),
             try await connection.query("SELECT \(unescaped: SQL.literal("a\\b")) AS v").rows[0].string("v"))
        }
        #expect(setting == "on")
        #expect(literal == "a\\b")
    }
}
