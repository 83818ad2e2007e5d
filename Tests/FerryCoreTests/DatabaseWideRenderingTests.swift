@testable import FerryCore
import Testing

/// What a whole-database move creates outside the schemas, as statements, and in which phase.
@Suite struct DatabaseWideRenderingTests {
    static var database: DatabaseWide {
        var database = DatabaseWide()
        database.languages = [ProceduralLanguage(oid: 70, name: "pl Sample", trusted: true, handler: "s.pl_handler", inline: nil,
                                                 validator: nil, comment: nil, ownership: Ownership(owner: "ops"))]
        database.languages[0].supportFunctions = [20]
        database.languages[0].routines = [21]
        database.foreignDataWrappers = [ForeignDataWrapper(name: "w", handler: nil, validator: nil, options: ["mode=x"], comment: nil,
                                                           ownership: Ownership(owner: "postgres"))]
        database.foreignServers = [ForeignServer(name: "far", wrapper: "w", type: nil, version: "2", options: ["host=h'x"],
                                                 comment: "far away", ownership: Ownership(owner: "ops"))]
        database.userMappings = [UserMappingDefinition(server: "far", user: "app", options: ["user=u", "password=hunter2"]),
                                 UserMappingDefinition(server: "far", user: "public", options: [])]
        database.publications = [Publication(name: "pub", allTables: false, publish: ["insert", "update"], viaPartitionRoot: true,
                                             tables: [.init(table: QualifiedName("s", "t"), columns: ["id", "Name"], filter: "(id > 0)")],
                                             schemas: ["billing"], comment: nil, owner: "ops")]
        database.eventTriggers = [EventTrigger(name: "watch", event: "ddl_command_end", tags: ["CREATE TABLE"],
                                               function: "s.watch", enabled: "R", comment: nil, owner: "ops")]
        database.settings = ["search_path=app, \"$user\"", "work_mem=8MB"]
        database.roleSettings = ["app": ["statement_timeout=5s"], "gone": ["work_mem=1MB"]]
        database.comment = "the db"
        database.defaultPrivileges = [GlobalDefaultPrivileges(objectType: "f", role: "ops", grants: [],
                                                              revokes: [Grant(grantee: "", privilege: "EXECUTE", grantable: false)])]
        return database
    }

    static func render(owners: Bool) -> SchemaDDL {
        var catalog = SchemaCatalog(serverVersion: 150_000, schemas: [Schema(name: "s")], functions: [
            Function(name: QualifiedName("s", "pl_handler"), identityArguments: "", definition: "CREATE FUNCTION s.pl_handler()"),
            Function(name: QualifiedName("s", "in_language"), identityArguments: "", definition: "CREATE FUNCTION s.in_language()"),
        ])
        catalog.functions[0].oid = 20
        catalog.functions[1].oid = 21
        catalog.database = database
        return DDLRenderer(options: .init(includeOwnership: owners)).render(catalog)
    }

    @Test func aLanguageComesBetweenItsHandlerAndTheRoutinesWrittenInIt() {
        let preData = Self.render(owners: false).preData.map(\.sql)
        let handler = preData.firstIndex { $0.hasPrefix("CREATE FUNCTION s.pl_handler") }!
        let language = preData.firstIndex { $0 == "CREATE OR REPLACE TRUSTED PROCEDURAL LANGUAGE \"pl Sample\" HANDLER s.pl_handler;" }
        let routine = preData.firstIndex { $0.hasPrefix("CREATE FUNCTION s.in_language") }!
        #expect(language.map { handler < $0 && $0 < routine } == true, "\(preData)")
    }

    @Test func credentialsOfAUserMappingMoveOnlyWithOwnersAndAreNeverPrintable() {
        let without = Self.render(owners: false).preData.last { $0.object == "USER MAPPING FOR app SERVER far" }!
        #expect(without.sql == "CREATE USER MAPPING FOR app SERVER far OPTIONS (\"user\" 'u');")
        let with = Self.render(owners: true).preData.last { $0.object == "USER MAPPING FOR app SERVER far" }!
        #expect(with.sql.contains("password 'hunter2'"))
        #expect(with.printable == "-- USER MAPPING FOR app SERVER far (with its options, not shown)")
        #expect(!Self.render(owners: true).allStatements.map(\.description).joined().contains("hunter2"))
        let public_ = Self.render(owners: true).preData.last { $0.object == "USER MAPPING FOR public SERVER far" }!
        #expect(public_.sql == "CREATE USER MAPPING FOR PUBLIC SERVER far;" && !public_.hidesValues)
        var plan = MigrationPlan(schemas: ["s"], ddl: SchemaDDL(), tables: [], hazards: [])
        plan.database = Self.database
        #expect(plan.notes.contains("whole database: user mapping for app on server far is created without its password option "
            + "(credentials move only with --owners)"))
    }

    @Test func serversWrappersAndPublicationsAsPgDumpWritesThem() {
        let ddl = Self.render(owners: true)
        #expect(ddl.preData.map(\.sql).contains("CREATE FOREIGN DATA WRAPPER w NO HANDLER NO VALIDATOR OPTIONS (mode 'x');"))
        #expect(ddl.preData.map(\.sql).contains("CREATE SERVER far VERSION '2' FOREIGN DATA WRAPPER w OPTIONS (host 'h''x');"))
        #expect(ddl.preData.map(\.sql).contains("ALTER SERVER far OWNER TO ops;"))
        // An earlier run's objects of the same names go first: the mapping before its server.
        let drops = ddl.preData.map(\.sql).filter { $0.hasPrefix("DROP") }
        #expect(drops == ["DROP USER MAPPING IF EXISTS FOR app SERVER far;", "DROP USER MAPPING IF EXISTS FOR PUBLIC SERVER far;",
                          "DROP SERVER IF EXISTS far;", "DROP FOREIGN DATA WRAPPER IF EXISTS w;"])
        #expect(ddl.database.postData.map(\.sql) == [
            "CREATE PUBLICATION pub WITH (publish = 'insert, update', publish_via_partition_root = true);",
            "ALTER PUBLICATION pub OWNER TO ops;",
            "ALTER PUBLICATION pub ADD TABLE ONLY s.t (id, \"Name\") WHERE ((id > 0));",
            "ALTER PUBLICATION pub ADD TABLES IN SCHEMA billing;",
        ])
        #expect(ddl.database.cleanup.map(\.sql) == ["DROP EVENT TRIGGER IF EXISTS watch;", "DROP PUBLICATION IF EXISTS pub;"])
    }

    @Test func eventTriggersComeLastEnabledAsOnTheSource() {
        let ddl = Self.render(owners: true)
        #expect(ddl.database.last.map(\.sql) == [
            "CREATE EVENT TRIGGER watch ON ddl_command_end\n    WHEN TAG IN ('CREATE TABLE')\n    EXECUTE FUNCTION s.watch();",
            "ALTER EVENT TRIGGER watch ENABLE REPLICA;", "ALTER EVENT TRIGGER watch OWNER TO ops;",
        ])
        #expect(ddl.allStatements.last?.sql == "ALTER EVENT TRIGGER watch OWNER TO ops;")
    }

    @Test func defaultPrivilegesNamingNoSchemaRevokeWhatTheyTakeAway() {
        #expect(Self.render(owners: true).privileges.map(\.sql).contains(
            "ALTER DEFAULT PRIVILEGES FOR ROLE ops REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;"))
        #expect(!Self.render(owners: false).privileges.map(\.sql).contains { $0.hasPrefix("ALTER DEFAULT PRIVILEGES") })
    }

    @Test func settingsNameTheTargetDatabaseAndOnlyRolesItHas() {
        let statements = DDLRenderer().settingStatements(Self.database, in: "New DB", existingRoles: ["app"]).map(\.sql)
        #expect(statements == [
            "COMMENT ON DATABASE \"New DB\" IS 'the db';",
            "ALTER DATABASE \"New DB\" SET search_path TO 'app', '$user';",
            "ALTER DATABASE \"New DB\" SET work_mem TO '8MB';",
            "ALTER ROLE app IN DATABASE \"New DB\" SET statement_timeout TO '5s';",
        ])
    }

    @Test func theCompareHoldsTheDatabasesPropertiesUnderOneIdentity() {
        let objects = Self.database.propertyObjects
        #expect(objects.map(\.key.description) == ["database (the database compared)", "role settings in database app",
                                                   "role settings in database gone"])
        #expect(objects[0].facets["comment"] == "the db")
        #expect(objects[0].facets["settings"]?.hasPrefix("search_path=") == true)
        #expect(objects[1].description == "settings of role app in the database")
        #expect(DatabaseWide().propertyObjects[0].facets.isEmpty)
    }

    @Test func theRolesTheObjectsNameWithOwnersAndWithout() {
        #expect(Self.database.rolesNamed(includingOwnership: false) == ["app"])
        #expect(Self.database.rolesNamed(includingOwnership: true) == ["app", "ops", "postgres"])
    }
}
