@testable import Ferry
import FerryTestSupport
import Testing

/// A table worker's `LOCK TABLE … NOWAIT` fails when an ALTER TABLE waits for the table (it
/// queues behind pgferry's own snapshot lock): the error must name that session.
@Suite struct LockConflictTests {
    @Test func aWaitingAlterTableIsNamed() async throws {
        let database = try await TestDatabase.create(on: try await TestServers.source, "lockname")
        try await database.execute("CREATE SCHEMA s; CREATE TABLE s.\"Orders\" (id int)")
        let table = QualifiedName("s", "Orders")
        // The snapshot holder: ACCESS SHARE for the whole run.
        let holder = try await PGConnection.connect(database.configuration)
        try await holder.execute("BEGIN; LOCK TABLE s.\"Orders\" IN ACCESS SHARE MODE")
        var alterConfiguration = database.configuration
        alterConfiguration["application_name"] = "migrations"
        let alterer = try await PGConnection.connect(alterConfiguration)
        let alterPID = try await alterer.query("SELECT pg_backend_pid() AS pid").rows[0].int("pid")
        let alter = Task { try await alterer.execute("ALTER TABLE s.\"Orders\" ADD COLUMN note text") }
        let observer = try await PGConnection.connect(database.configuration)
        for _ in 0..<200 {
            let waiting = try await observer.query("SELECT count(*) AS n FROM pg_locks WHERE pid = \(alterPID) AND NOT granted")
            if try waiting.rows[0].int("n") > 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }

        let worker = try await PGConnection.connect(database.configuration)
        try await worker.execute("BEGIN")
        await #expect { try await worker.execute("LOCK TABLE ONLY s.\"Orders\" IN ACCESS SHARE MODE NOWAIT") } throws: {
            ($0 as? PGError)?.sqlState == "55P03"
        }
        try await worker.execute("ROLLBACK")
        let description = await LockConflict.describe(on: worker, table: table)
        #expect(description.hasPrefix("table s.\"Orders\" is locked by pid \(alterPID) (application migrations, user postgres, active"))
        #expect(description.contains("waits for AccessExclusiveLock; its last query: ALTER TABLE s.\"Orders\" ADD COLUMN note text"))
        #expect(description.contains("then rerun pgferry"))
        #expect(!description.contains("AccessShareLock"), "the snapshot holder's own lock is no conflict")

        try await holder.execute("COMMIT")
        _ = try await alter.value
        let gone = await LockConflict.describe(on: worker, table: table)
        #expect(gone.hasPrefix("table s.\"Orders\" was locked by another session (gone by now)"))
        for connection in [holder, alterer, observer, worker] { await connection.close() }
    }
}
