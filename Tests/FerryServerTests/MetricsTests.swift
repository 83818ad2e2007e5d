import Ferry
import FerryTestSupport
import Foundation
import Hummingbird
import Testing

@testable import FerryServer

/// `GET /metrics`: auth, the text format, and values that match status after real runs.
@Suite("Metrics")
struct MetricsTests {
    @Test func needsTheAdminTokenAndParses() async throws {
        let server = FerryServer(source: ConnectionConfiguration(), auth: AdminAuth(token: "test-admin-token"))
        let anonymous = try await RouteClient(server: server, token: nil).send(.get, "/metrics")
        #expect(anonymous.status == .unauthorized)
        #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
        #expect(!anonymous.body.contains("pgferry_"))
        let wrong = try await RouteClient(server: server, token: "not-the-token").send(.get, "/metrics")
        #expect(wrong.status == .unauthorized)
        let foreign = try await RouteClient(server: server).send(.get, "/metrics", headers: [.origin: "https://evil.example"])
        #expect(foreign.status == .forbidden)

        let reply = try await RouteClient(server: server).send(.get, "/metrics")
        #expect(reply.status == .ok)
        #expect(reply.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        let metrics = try PrometheusText(reply.body)
        #expect(metrics.types["pgferry_copy_rows_total"] == "counter")
        #expect(metrics.types["pgferry_follow_lag_bytes"] == "gauge")
        #expect(metrics["pgferry_migration_status", ["status": "idle"]] == 1)
        #expect(metrics["pgferry_migration_status", ["status": "restoring"]] == 0)
        #expect(metrics["pgferry_migration_running"] == 0)
        #expect(metrics["pgferry_copy_rows_total"] == 0)
        #expect(metrics["pgferry_migrations_total", ["result": "complete"]] == 0)
        #expect(metrics["pgferry_follow_state", ["state": "streaming"]] == 0)
    }

    @Test func copyCountersMatchStatusAndAddUpOverRuns() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "metrics_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "metrics_tgt")
        try await source.execute("""
            CREATE SCHEMA m; CREATE TABLE m.a (id int PRIMARY KEY, v text); CREATE TABLE m.b (id int, w text);
            CREATE TABLE m.skipped (id int);
            INSERT INTO m.a SELECT g, repeat('x', 50) FROM generate_series(1, 1500) g;
            INSERT INTO m.b SELECT g, 'w' FROM generate_series(1, 700) g; INSERT INTO m.skipped VALUES (1)
            """)
        let client = RouteClient(server: FerryServer(source: source.configuration, auth: AdminAuth(token: "test-admin-token"), jobs: 2))
        let body: [String: Any] = ["host": "127.0.0.1", "port": target.server.port, "database": target.name, "user": "postgres",
                                   "schema": "m", "excludeTableData": ["skipped"]]

        #expect(try await client.post("start", body).status == .accepted)
        let first = try await client.waitForFinish()
        #expect(first["status"] as? String == "complete", "\(first["error"] ?? "")")
        let totals = try #require(first["totals"] as? [String: Any])
        #expect(totals["rows"] as? Int == 2200)
        var metrics = try await client.metrics()
        #expect(metrics["pgferry_copy_rows_total"] == 2200)
        let bytes = try #require(totals["bytes"] as? Int)
        #expect(metrics["pgferry_copy_bytes_total"] == Double(bytes))
        #expect(metrics["pgferry_tables", ["state": "done"]] == 2)
        #expect(metrics["pgferry_tables", ["state": "skipped"]] == 1)
        #expect(metrics["pgferry_migration_status", ["status": "complete"]] == 1)
        #expect(metrics["pgferry_migration_running"] == 0)
        #expect(metrics["pgferry_migrations_total", ["result": "complete"]] == 1)
        #expect(metrics["pgferry_migration_elapsed_seconds"].map { $0 > 0 } == true)
        #expect(try await client.metrics()["pgferry_migrations_total", ["result": "complete"]] == 1)  // a run ends once

        // A second run (no reset needed) starts its counts from zero; the counters go on up.
        try await source.execute("INSERT INTO m.b SELECT g, 'w' FROM generate_series(701, 1000) g")
        #expect(try await client.post("start", body).status == .accepted)
        let second = try await client.waitForFinish()
        #expect(second["status"] as? String == "complete", "\(second["error"] ?? "")")
        metrics = try await client.metrics()
        #expect(metrics["pgferry_copy_rows_total"] == 4700)  // 2200 + 2500
        #expect(metrics["pgferry_migrations_total", ["result": "complete"]] == 2)
        #expect(metrics["pgferry_migrations_total", ["result": "error"]] == 0)

        // Reset forgets the run; the counters keep what it copied.
        #expect(try await client.post("reset").status == .ok)
        metrics = try await client.metrics()
        #expect(metrics["pgferry_copy_rows_total"] == 4700)
        #expect(metrics["pgferry_migration_status", ["status": "idle"]] == 1)
        #expect(metrics["pgferry_tables", ["state": "done"]] == 0)
    }

    @Test func followCountersMatchStatus() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "metricsfollow_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "metricsfollow_tgt")
        try await source.execute("CREATE SCHEMA live; CREATE TABLE live.t (id int PRIMARY KEY, v text); INSERT INTO live.t VALUES (1, 'a')")
        let client = RouteClient(server: FerryServer(source: source.configuration, auth: AdminAuth(token: "test-admin-token"), jobs: 2))
        let body: [String: Any] = ["host": "127.0.0.1", "port": target.server.port, "database": target.name, "user": "postgres",
                                   "schema": "live", "follow": true]
        #expect(try await client.post("start", body).status == .accepted)
        _ = try await client.waitForFollow { $0["state"] as? String == "streaming" }

        try await source.execute("""
            SET synchronous_commit = on; INSERT INTO live.t SELECT g, 'w' FROM generate_series(2, 40) g;
            UPDATE live.t SET v = 'u' WHERE id <= 5
            """)
        try await source.execute("DELETE FROM live.t WHERE id = 40")
        let follow = try await client.waitForFollow { ($0["rowsApplied"] as? Int) == 39 + 5 + 1 }
        let metrics = try await client.metrics()
        #expect(metrics["pgferry_follow_rows_applied_total"] == 45)
        let transactions = try #require(follow["transactionsApplied"] as? Int)
        #expect(metrics["pgferry_follow_transactions_applied_total"] == Double(transactions))
        #expect(metrics["pgferry_follow_transactions_applied_total"] == 2)
        let applied = try #require((follow["appliedLSN"] as? String).flatMap(LSN.init))
        #expect(metrics["pgferry_follow_applied_lsn_bytes"] == Double(applied.rawValue))
        #expect(metrics["pgferry_follow_received_lsn_bytes"].map { $0 >= Double(applied.rawValue) } == true)
        #expect(metrics["pgferry_follow_state", ["state": "streaming"]] == 1)
        #expect(metrics["pgferry_follow_lag_bytes"].map { $0 >= 0 } == true)
        #expect(metrics["pgferry_follow_slot_retained_bytes"] != nil)
        #expect(metrics["pgferry_migration_running"] == 1)
        #expect(metrics["pgferry_copy_rows_total"] == 1)

        #expect(try await client.post("cutover").status == .accepted)
        let final = try await client.waitForFinish()
        #expect(final["status"] as? String == "complete", "\(final["error"] ?? "")")
        let done = try await client.metrics()
        #expect(done["pgferry_follow_state", ["state": "done"]] == 1)
        #expect(done["pgferry_follow_rows_applied_total"] == 45)
        #expect(done["pgferry_follow_lag_bytes"] == 0 && done["pgferry_follow_lag_seconds"] == 0)  // nothing lags once ended
        #expect(done["pgferry_follow_slot_retained_bytes"] == 0)  // the slot is dropped
        #expect(done["pgferry_migrations_total", ["result": "complete"]] == 1)
    }
}

/// Growth per look at the progress, without a server.
@Suite("Metrics tally")
struct ProgressTallyTests {
    private func progress(rows: Int64, bytes: Int64 = 0, status: RunStatus = .restoring, followRows: Int64? = nil) -> MigrationProgress {
        var progress = MigrationProgress()
        progress.status = status
        var table = TableProgress(table: "s.t", state: .copying, format: .binary, sourceBytes: 0)
        table.rows = rows
        table.bytes = bytes
        progress.tables = [table]
        if let followRows {
            progress.follow = FollowProgress(state: .streaming, slot: "s", consistentPoint: .zero)
            progress.follow?.rowsApplied = followRows
            progress.follow?.transactionsApplied = followRows / 2
        }
        return progress
    }

    @Test func countsGrowthOnceAndRestartsFromZeroForANewRun() {
        var tally = ProgressTally()
        #expect(tally.advance(run: 0, MigrationProgress()).added == .init())
        #expect(tally.advance(run: 1, progress(rows: 10, bytes: 100)).added.copyRows == 10)
        #expect(tally.advance(run: 1, progress(rows: 10, bytes: 100)).added == .init())
        let step = tally.advance(run: 1, progress(rows: 25, bytes: 300, followRows: 8))
        #expect(step.added.copyRows == 15 && step.added.copyBytes == 200)
        #expect(step.added.followRows == 8 && step.added.followTransactions == 4)
        // A count that dips (never expected) and comes back is not counted twice.
        #expect(tally.advance(run: 1, progress(rows: 5)).added.copyRows == 0)
        #expect(tally.advance(run: 1, progress(rows: 30)).added.copyRows == 5)
        // Run 2 starts at zero: its 12 rows all count.
        #expect(tally.advance(run: 2, progress(rows: 12)).added.copyRows == 12)
    }

    @Test func aRunEndsOnce() {
        var tally = ProgressTally()
        #expect(tally.advance(run: 1, progress(rows: 1)).ended == nil)
        #expect(tally.advance(run: 1, progress(rows: 2, status: .error)).ended == .error)
        #expect(tally.advance(run: 1, progress(rows: 2, status: .error)).ended == nil)
        #expect(tally.advance(run: 1, MigrationProgress()).ended == nil)  // reset
        #expect(tally.advance(run: 2, progress(rows: 2, status: .complete)).ended == .complete)
    }
}

/// Prometheus' text exposition format (0.0.4), parsed strictly: every sample line is
/// `name{label="value",…} number` of a family declared by a `# TYPE` line before it.
struct PrometheusText {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    private(set) var types: [String: String] = [:]
    private(set) var samples: [Sample] = []

    init(_ text: String) throws {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                    throw TestSupportError("bad TYPE line: \(line)")
                }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("# HELP ") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw TestSupportError("no value in line: \(line)")
            }
            var series = line[..<space]
            var labels: [String: String] = [:]
            if let brace = series.firstIndex(of: "{") {
                guard series.hasSuffix("}") else { throw TestSupportError("unclosed labels: \(line)") }
                for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                    let keyValue = pair.split(separator: "=", maxSplits: 1)
                    guard keyValue.count == 2, keyValue[1].hasPrefix("\""), keyValue[1].hasSuffix("\""), keyValue[1].count >= 2 else {
                        throw TestSupportError("bad label in line: \(line)")
                    }
                    labels[String(keyValue[0])] = String(keyValue[1].dropFirst().dropLast())
                }
                series = series[..<brace]
            }
            let name = String(series)
            guard name.wholeMatch(of: /[a-zA-Z_:][a-zA-Z0-9_:]*/) != nil else { throw TestSupportError("bad metric name: \(line)") }
            guard types[name] != nil else { throw TestSupportError("sample before its TYPE line: \(line)") }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
    }

    /// The value of the one sample with this name and labels.
    subscript(name: String, labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { $0.name == name && $0.labels == labels }
        return matching.count == 1 ? matching[0].value : nil
    }
}

extension RouteClient {
    func metrics() async throws -> PrometheusText {
        let reply = try await send(.get, "/metrics")
        guard reply.status == .ok else { throw TestSupportError("GET /metrics answered \(reply.status): \(reply.body)") }
        return try PrometheusText(reply.body)
    }

    /// Polls status until its `follow` object satisfies `condition`; returns it.
    func waitForFollow(timeout: Duration = .seconds(60), _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await get("status").json
            if let follow = last["follow"] as? [String: Any], condition(follow) { return follow }
            if last["status"] as? String == "error" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("follow did not get there: \(last["follow"] ?? "none") \(last["error"] ?? "")")
    }
}
