@testable import Ferry
import FerryTestSupport
import Testing

/// "The target is the source" compares what both sides can read: a role that may not run
/// `pg_control_system()` still recognises the database, two clusters never look alike, and when
/// nothing common tells, the run refuses instead of guessing.
@Suite struct DatabaseIdentityTests {
    /// A login role without superuser or pg_monitor rights.
    static let plainRole = "pgferry_identity_plain"

    static func identity(_ configuration: ConnectionConfiguration) async throws -> DatabaseIdentity {
        let connection = try await PGConnection.connect(configuration)
        let identity = try await Connections.databaseIdentity(connection)
        await connection.close()
        return identity
    }

    static func createPlainRole(on server: TestServers.Server) async throws {
        let admin = try await PGConnection.connect(server.configuration())
        _ = try? await admin.execute("CREATE ROLE \(plainRole) LOGIN")
        await admin.close()
    }

    @Test func rolesWithDifferentRightsSeeTheSameDatabase() async throws {
        let server = try await TestServers.source
        let database = try await TestDatabase.create(on: server, "ident_same")
        try await Self.createPlainRole(on: server)
        // Function privileges are per database: this one denies the plain role the system identifier.
        try await database.execute("""
            REVOKE EXECUTE ON FUNCTION pg_catalog.pg_control_system() FROM PUBLIC;
            CREATE SCHEMA app; CREATE TABLE app.t (id int); INSERT INTO app.t VALUES (1);
            """)
        let superuser = try await Self.identity(database.configuration)
        let plain = try await Self.identity(server.configuration(database: database.name, user: Self.plainRole))
        #expect(superuser.systemIdentifier != nil)
        #expect(plain.systemIdentifier == nil, "the setup must deny the plain role pg_control_system()")
        #expect(superuser.isSame(as: plain) == true)
        #expect(plain.isSame(as: superuser) == true)

        await #expect {
            try await Migration(request: MigrationRequest(
                source: database.configuration, target: server.configuration(database: database.name, user: Self.plainRole),
                schemas: ["app"])).run()
        } throws: { "\($0)".contains("the target is the source database itself") }
        #expect(try await database.query("SELECT count(*) AS n FROM app.t").rows[0].int("n") == 1, "nothing was dropped")
    }

    @Test func twoClustersDifferWhateverFactsEachSideReads() async throws {
        let source = try await TestServers.source
        let target = try await TestServers.target
        try await Self.createPlainRole(on: target)
        // `postgres` has the same name and OID in every cluster: only the cluster facts tell them apart.
        let first = try await Self.identity(source.configuration())
        let second = try await Self.identity(target.configuration(user: Self.plainRole))
        #expect(first.databaseName == second.databaseName && first.databaseOID == second.databaseOID)
        #expect(first.isSame(as: second) == false)

        var withoutIdentifier = second
        withoutIdentifier.systemIdentifier = nil
        #expect(first.isSame(as: withoutIdentifier) == false, "mixed facts: start times still differ")
        var withoutStart = first
        withoutStart.postmasterStart = nil
        #expect(withoutStart.isSame(as: second) == false, "system identifiers differ")
        #expect(withoutStart.isSame(as: withoutIdentifier) == nil, "no fact both sides read: unsure")
        #expect(throws: FerryError.self) {
            try DatabaseIdentity.requireDistinct(target: withoutIdentifier, source: withoutStart)
        }
    }

    @Test func aPhysicalCopyIsAnotherServer() throws {
        let original = DatabaseIdentity(systemIdentifier: "7", postmasterStart: "100.5", port: "5432", databaseOID: 5,
                                        databaseName: "app")
        var copy = original
        copy.postmasterStart = "200.25"
        #expect(original.isSame(as: copy) == false, "same system identifier, started at another instant")
        copy.postmasterStart = nil
        #expect(original.isSame(as: copy) == true, "same system identifier and nothing telling them apart")
        var otherDatabase = original
        otherDatabase.databaseName = "app2"
        otherDatabase.databaseOID = 6
        #expect(original.isSame(as: otherDatabase) == false)
        try DatabaseIdentity.requireDistinct(target: otherDatabase, source: original)
    }
}
