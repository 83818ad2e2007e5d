import FerryTestSupport
import Foundation
import PGClient
import Testing

@Suite struct PGConnectionTests {
    @Test func queriesWithAndWithoutParameters() async throws {
        let server = try await TestServers.source
        let connection = try await PGConnection.connect(server.configuration())
        #expect(connection.serverVersion >= 130_000)
        let result = try await connection.query("SELECT \("41")::int + 1 AS n, \("it's")::text AS t, NULL::text AS z")
        #expect(try result.rows[0].int("n") == 42)
        #expect(try result.rows[0].string("t") == "it's")
        #expect(try result.rows[0].optionalString("z") == nil)
        let tag = try await connection.execute("CREATE TEMP TABLE t (a int); INSERT INTO t VALUES (1), (2)")
        #expect(tag.affectedRows == 2)
        await connection.close()
        await #expect(throws: PGError.self) { try await connection.execute("SELECT 1") }
    }

    @Test func serverErrorsCarrySQLStateDetailAndHint() async throws {
        try await PGConnection.withConnection(try await TestServers.source.configuration()) { connection in
            do {
                try await connection.execute("SELECT * FROM no_such_table")
                Issue.record("expected an error")
            } catch let error as PGError {
                #expect(error.code == .server)
                #expect(error.sqlState == "42P01")
                #expect(error.message.contains("no_such_table"))
            }
            // The connection is still usable after a server error.
            #expect(try await connection.query("SELECT 1 AS one").rows[0].int("one") == 1)
        }
    }

    @Test func wrongPasswordNeverShowsThePassword() async throws {
        let server = try await TestServers.source
        let admin = try await PGConnection.connect(server.configuration())
        _ = try? await admin.execute("CREATE ROLE pgferry_password_user LOGIN PASSWORD 'right-secret'")
        await admin.close()
        var configuration = server.configuration(user: "pgferry_password_user")
        configuration["password"] = "S3cr3t-wrong-pw"
        do {
            _ = try await PGConnection.connect(configuration)
            Issue.record("expected an authentication failure")
        } catch let error as PGError {
            #expect(error.code == .connection)
            #expect("\(error)".contains("password authentication failed"))
            #expect(!"\(error)".contains("S3cr3t-wrong-pw"))
            #expect("\(error)".contains("127.0.0.1"))
        }
    }

    @Test func anUnresponsiveServerTimesOutWithinConnectTimeout() async throws {
        let listener = try TCPListener()
        var configuration = ConnectionConfiguration([.init("host", "127.0.0.1"), .init("port", String(listener.port)),
                                                     .init("user", "x"), .init("dbname", "x")])
        configuration["connect_timeout"] = "2"
        let start = ContinuousClock.now
        await #expect(throws: PGError.self) { _ = try await PGConnection.connect(configuration) }
        #expect(ContinuousClock.now - start < .seconds(10))
        withExtendedLifetime(listener) {}
    }

    @Test func urlsAreParsedByLibpqAndBadOnesExplainWhatIsAccepted() throws {
        let configuration = try ConnectionConfiguration(url: "postgresql://me:pa%20ss@127.0.0.1:5433/db?sslmode=disable")
        #expect(configuration["user"] == "me")
        #expect(configuration["password"] == "pa ss")
        #expect(configuration["port"] == "5433")
        #expect(configuration["sslmode"] == "disable")
        #expect(configuration.redactedDescription == "me@127.0.0.1:5433/db")
        do {
            _ = try ConnectionConfiguration(url: "postgresql://me:hunter2@host/db?nonsense=1")
            Issue.record("expected a parse error")
        } catch {
            #expect("\(error)".contains("Accepted"))
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func escapingMatchesWhatTheServerReads() async throws {
        try await PGConnection.withConnection(try await TestServers.source.configuration()) { connection in
            let weird = "it's a \"weird\" \\ name ☃"
            let literal = try await connection.escapeLiteral(weird)
            let identifier = try await connection.escapeIdentifier(weird)
            let row = try await connection.query("SELECT \(unescaped: literal) AS v, 1 AS \(unescaped: identifier)").rows[0]
            #expect(try row.string("v") == weird)
            #expect(try row.string(weird) == "1")
        }
    }

    @Test func copyOutAndInMoveBytesAndCountRows() async throws {
        let server = try await TestServers.source
        let database = try await TestDatabase.create(on: server, "copy")
        try await database.execute("""
            CREATE TABLE a (id int, t text); CREATE TABLE b (id int, t text);
            INSERT INTO a SELECT g, repeat('x', g % 50) || E'\\n\\\\' FROM generate_series(1, 5000) g;
            """)
        let source = try await PGConnection.connect(database.configuration)
        let target = try await PGConnection.connect(database.configuration)
        let chunks = LockedBox<[[UInt8]]>([])
        let rowsSeen = LockedBox(0)
        let sent = try await source.copyOut("COPY a TO STDOUT", chunkSize: 1024) { chunk, rows in
            chunks.withLock { $0.append(chunk) }
            rowsSeen.withLock { $0 += rows }
        }
        #expect(sent == 5000)
        #expect(rowsSeen.withLock { $0 } == 5000)
        #expect(chunks.withLock { $0.count } > 10, "rows are coalesced into many ~1 KiB chunks")
        let queue = LockedBox(chunks.withLock { $0 })
        let stored = try await target.copyIn("COPY b FROM STDIN") {
            queue.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        }
        #expect(stored == 5000)
        let same = try await target.query("SELECT count(*) AS n FROM (SELECT * FROM a EXCEPT SELECT * FROM b) d")
        #expect(try same.rows[0].int("n") == 0)
        await source.close()
        await target.close()
    }

    /// Binary COPY frames: the header rides in the first row's message, or with no rows in the
    /// trailer's; neither header nor trailer is a row. A zero-column table still has rows.
    @Test(arguments: [(0, "id int"), (1, "id int"), (3, "id int"), (2, "")])
    func binaryCopyCountsRowsNotFrames(rows: Int, columns: String) async throws {
        let database = try await TestDatabase.create(on: try await TestServers.source, "frames")
        try await database.execute("CREATE TABLE t (\(columns)); INSERT INTO t SELECT \(columns.isEmpty ? "" : "g") FROM generate_series(1, \(rows)) g")
        let connection = try await PGConnection.connect(database.configuration)
        let counted = LockedBox(0)
        let sent = try await connection.copyOut("COPY t TO STDOUT (FORMAT binary)", chunkSize: 1) { _, rows in
            counted.withLock { $0 += rows }
        }
        #expect(sent == rows)
        #expect(counted.withLock { $0 } == rows)
        await connection.close()
    }

    @Test func aFailingProducerAbortsCopyIn() async throws {
        struct SourceDied: Error {}
        let database = try await TestDatabase.create(on: try await TestServers.source, "abort")
        try await database.execute("CREATE TABLE b (id int)")
        let connection = try await PGConnection.connect(database.configuration)
        let calls = LockedBox(0)
        await #expect(throws: SourceDied.self) {
            _ = try await connection.copyIn("COPY b FROM STDIN") {
                let call = calls.withLock { $0 += 1; return $0 }
                if call > 3 { throw SourceDied() }
                return Array("\(call)\n".utf8)
            }
        }
        #expect(try await connection.query("SELECT count(*) AS n FROM b").rows[0].int("n") == 0)
        await connection.close()
    }

    @Test func cancellingTheTaskCancelsTheStatement() async throws {
        let connection = try await PGConnection.connect(try await TestServers.source.configuration())
        let start = ContinuousClock.now
        let sleeper = Task { try await connection.execute("SELECT pg_sleep(30)") }
        try await Task.sleep(for: .milliseconds(300))
        sleeper.cancel()
        let outcome = await sleeper.result
        #expect(ContinuousClock.now - start < .seconds(10))
        guard case .failure(let error as PGError) = outcome else {
            Issue.record("expected a cancellation error, got \(outcome)")
            return
        }
        #expect(error.isCancellation)
        await connection.close()
    }
}

@Suite struct PGConnectionCancelTests {
    static func connectThroughProxy() async throws -> (FaultProxy, PGConnection) {
        let server = try await TestServers.source
        let proxy = try FaultProxy(upstreamPort: server.port)
        var configuration = server.configuration()
        configuration["port"] = String(proxy.port)
        return (proxy, try await PGConnection.connect(configuration))
    }

    @Test func cancellingATaskCancelsItsStatementOnTheServer() async throws {
        let connection = try await PGConnection.connect(try await TestServers.source.configuration())
        try await connection.closing { connection in
            let sleeping = Task { try await connection.execute("SELECT pg_sleep(30)") }
            // Cancel once the server runs the statement (under a loaded suite the task may not
            // have sent it after a fixed delay, and a task cancelled before it starts never asks).
            let observer = try await PGConnection.connect(try await TestServers.source.configuration())
            try await observer.closing { observer in
                for _ in 0..<100 {
                    let running = try await observer.query(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = \(connection.backendPID)::int AND state = 'active'").rows[0].int("n")
                    if running == 1 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            let start = ContinuousClock.now
            sleeping.cancel()
            await #expect { try await sleeping.value } throws: { ($0 as? PGError)?.isCancellation == true }
            // Well before the 30 s sleep would end: a loaded 2-core machine took 1.08 s once.
            #expect(ContinuousClock.now - start < .seconds(10))
            // The server ended the statement: the connection goes on.
            #expect(try await connection.query("SELECT 1 AS one").rows[0].int("one") == 1)
        }
    }

    @Test func aCancelIntoAFrozenNetworkGivesUpAfterTheGracePeriod() async throws {
        let (proxy, connection) = try await Self.connectThroughProxy()
        defer { proxy.close() }
        proxy.freeze()
        let waiting = Task { try await connection.execute("SELECT 1") }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        waiting.cancel()
        await #expect { try await waiting.value } throws: { ($0 as? PGError)?.code == .cancelled }
        #expect(ContinuousClock.now - start < .seconds(2))
        // The socket is shut down: the next call fails at once instead of waiting.
        let again = ContinuousClock.now
        await #expect(throws: PGError.self) { try await connection.execute("SELECT 1") }
        #expect(ContinuousClock.now - again < .seconds(1))
        await connection.close()
    }

    @Test func aCopyThatMovesNothingFailsAtTheStallLimit() async throws {
        let (proxy, connection) = try await Self.connectThroughProxy()
        defer { proxy.close() }
        proxy.freeze(whenClientSends: "COPY")
        let start = ContinuousClock.now
        await #expect {
            _ = try await connection.copyOut("COPY (SELECT 1) TO STDOUT", chunkSize: 1024, stall: .seconds(1)) { _, _ in }
        } throws: { ($0 as? PGError)?.code == .stalled }
        #expect(ContinuousClock.now - start < .seconds(3))
        await connection.close()
    }
}

@Suite struct PipelineTests {
    @Test func oneRoundTripRunsStatementsWithTextBinaryAndNullValues() async throws {
        try await PGConnection.withConnection(try await TestServers.source.configuration()) { connection in
            let results = try await connection.pipeline([
                PipelinedStatement(sql: "CREATE TEMP TABLE p (a int, b bytea, c text)"),
                PipelinedStatement(sql: "INSERT INTO p VALUES ($1::int, $2::bytea, $3::text)",
                                   parameters: [.binary([0, 0, 1, 0]), .binary([]), nil]),
                PipelinedStatement(sql: "INSERT INTO p VALUES ($1::int, $2::bytea, $3::text), (3, NULL, 'x')",
                                   parameters: [.text(Array("7".utf8)), .binary([0xde, 0xad]), .text(Array("it's".utf8))]),
                PipelinedStatement(sql: "UPDATE p SET c = 'y' WHERE a > 1000"),
            ])
            #expect(results.map(\.affectedRows) == [nil, 1, 2, 0])
            let rows = try await connection.query("SELECT a, encode(b, 'hex') AS b, c FROM p ORDER BY a").rows
            #expect(try rows.map { try $0.int("a") } == [3, 7, 256])
            #expect(try rows.map { try $0.optionalString("b") } == [nil, "dead", ""])
            #expect(try rows.map { try $0.optionalString("c") } == ["x", "it's", nil])
        }
    }

    @Test func theFirstErrorIsThrownTheRestSkippedAndTheConnectionStaysUsable() async throws {
        try await PGConnection.withConnection(try await TestServers.source.configuration()) { connection in
            _ = try await connection.execute("CREATE TEMP TABLE q (a int PRIMARY KEY)")
            do {
                _ = try await connection.pipeline([
                    PipelinedStatement(sql: "BEGIN"),
                    PipelinedStatement(sql: "INSERT INTO q VALUES (1)"),
                    PipelinedStatement(sql: "INSERT INTO q VALUES (1)"),
                    PipelinedStatement(sql: "INSERT INTO q VALUES (2)"),
                ])
                Issue.record("expected the duplicate key to fail the pipeline")
            } catch let error as PGError {
                #expect(error.sqlState == "23505")
            }
            // The explicit transaction is left aborted for the caller to end.
            await #expect(throws: PGError.self) { try await connection.execute("SELECT 1") }
            _ = try await connection.execute("ROLLBACK")
            #expect(try await connection.query("SELECT count(*)::int AS n FROM q").rows[0].int("n") == 0)
        }
    }

    @Test func preparedTextsArePreparedOnceAndAFailedPrepareIsThrown() async throws {
        try await PGConnection.withConnection(try await TestServers.source.configuration()) { connection in
            let insert = "INSERT INTO r VALUES ($1::int)"
            _ = try await connection.execute("CREATE TEMP TABLE r (a int)")
            for round in 0..<3 {
                let results = try await connection.pipeline((0..<2).map {
                    PipelinedStatement(sql: insert, parameters: [.text(Array("\(round * 2 + $0)".utf8))], prepared: true)
                })
                #expect(results.map(\.affectedRows) == [1, 1])
            }
            let prepared = try await connection.query("SELECT statement FROM pg_prepared_statements")
            #expect(prepared.rows.map { $0[0] } == [insert])
            #expect(try await connection.query("SELECT sum(a)::int AS s FROM r").rows[0].int("s") == 15)
            await #expect(throws: PGError.self) {
                _ = try await connection.pipeline([PipelinedStatement(sql: "INSERT INTO no_such_table VALUES (1)", prepared: true)])
            }
            #expect(try await connection.query("SELECT 1 AS one").rows[0].int("one") == 1)
        }
    }
}

@Suite struct RowByRowTests {
    struct Failure: Error {}

    @Test func rowsAreFoldedOneAtATimeAndFailuresLeaveTheConnectionUsable() async throws {
        try await PGConnection.withConnection(try await TestServers.source.configuration()) { connection in
            let sum = try await connection.reduceRows(
                "SELECT g AS n, CASE WHEN g % 2 = 0 THEN 'even' END AS label FROM generate_series(1, \(50_000)) g", into: (0, 0)
            ) { state, row in
                state.0 += try row.int("n")
                if try row.optionalString("label") == "even" { state.1 += 1 }
            }
            #expect(sum == (1_250_025_000, 25_000))
            #expect(try await connection.reduceRows("SELECT 1 AS n WHERE false", into: 7) { state, _ in state += 1 } == 7)
            // The server's error comes after rows were folded: thrown, and the connection stays usable.
            await #expect(throws: PGError.self) {
                _ = try await connection.reduceRows("SELECT 1 / (3 - g) AS n FROM generate_series(1, 5) g", into: 0) { state, row in
                    state += try row.int("n")
                }
            }
            // So does a failure of the fold itself, with the rest of the rows read and dropped.
            await #expect(throws: Failure.self) {
                _ = try await connection.reduceRows("SELECT g AS n FROM generate_series(1, 1000) g", into: 0) { state, row in
                    state += 1
                    if state == 10 { throw Failure() }
                }
            }
            let result = try await connection.query("SELECT g AS n FROM generate_series(1, 3) g")
            #expect(result.columns == ["n"] && result.commandTag == "SELECT 3")
            #expect(try result.rows.map { try $0.int("n") } == [1, 2, 3])
            #expect(try await connection.query("SELECT 1 AS n WHERE false").columns == ["n"])
            // A pipeline after a row-by-row read gets its rows whole.
            let piped = try await connection.pipeline([PipelinedStatement(sql: "SELECT g AS n FROM generate_series(1, 2) g"),
                                                       PipelinedStatement(sql: "SELECT 3 AS n")])
            #expect(try piped.map { try $0.rows.map { try $0.int("n") } } == [[1, 2], [3]])
        }
    }
}
