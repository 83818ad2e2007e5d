@testable import FerryCore
import Testing

@Suite struct DDLRendererTests {
    let ddl = DDLRenderer().render(CatalogSamples.queen)

    func preData(containing fragment: String) -> [String] {
        ddl.preData.map(\.sql).filter { $0.contains(fragment) }
    }

    @Test func preDataCreatesSchemaThenFunctionsThenTables() throws {
        let sql = ddl.preData.map(\.sql)
        let schema = try #require(sql.firstIndex(of: "CREATE SCHEMA queen;"))
        let function = try #require(sql.firstIndex { $0.hasPrefix("CREATE OR REPLACE FUNCTION queen.touch()") })
        let table = try #require(sql.firstIndex { $0.hasPrefix("CREATE TABLE queen.queues") })
        #expect(schema < function && function < table)
        #expect(sql[function].hasSuffix(";"))
        #expect(sql.contains("COMMENT ON SCHEMA queen IS 'Queen MQ';"))
    }

    @Test func tablesCarryDefaultsNotNullChecksAndReloptions() throws {
        let create = try #require(preData(containing: "CREATE TABLE queen.queues").first)
        #expect(create.contains("id uuid DEFAULT gen_random_uuid() NOT NULL"))
        #expect(create.contains("name character varying(255) NOT NULL"))
        #expect(create.contains("CONSTRAINT queues_name_check CHECK ((name)::text <> ''::text)"))
        #expect(create.hasSuffix("WITH (fillfactor='50');"))
    }

    @Test func extensionsOfTheSchemaComeRightAfterIt() throws {
        var catalog = CatalogSamples.queen
        catalog.extensions = [Extension(name: "citext", schema: "queen", comment: "case-insensitive text")]
        let sql = DDLRenderer().render(catalog).preData.map(\.sql)
        let schema = try #require(sql.firstIndex(of: "CREATE SCHEMA queen;"))
        let created = try #require(sql.firstIndex(of: "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA queen;"))
        let firstObject = try #require(sql.firstIndex { $0.hasPrefix("CREATE OR REPLACE FUNCTION") })
        #expect(schema < created && created < firstObject)
        #expect(sql[created + 1] == "COMMENT ON EXTENSION citext IS 'case-insensitive text';")
    }

    @Test func postgres18NotNullConstraintsKeepNamesNoInheritAndNotValid() throws {
        let table = QualifiedName("s", "t")
        func column(_ name: String, _ constraint: NotNullConstraint) -> Column {
            var column = Column(name: name, type: "integer", notNull: true)
            column.notNullConstraint = constraint
            return column
        }
        let catalog = SchemaCatalog(serverVersion: 180_000, schemas: [Schema(name: "s")], tables: [
            Table(oid: 1, name: table, columns: [
                column("a", NotNullConstraint(name: "t_a_not_null")),
                column("b", NotNullConstraint(name: "b_named", noInherit: true)),
                column("c", NotNullConstraint(name: "c_loose", validated: false, comment: "old rows")),
            ]),
        ])
        let ddl = DDLRenderer().render(catalog)
        let create = try #require(ddl.preData.map(\.sql).first { $0.hasPrefix("CREATE TABLE s.t") })
        #expect(create.contains("a integer NOT NULL,"))
        #expect(create.contains("b integer CONSTRAINT b_named NOT NULL NO INHERIT,"))
        #expect(create.contains("c integer\n"), "a NOT VALID not-null waits for the data")
        #expect(ddl.postData.map(\.sql) == [
            "ALTER TABLE s.t ADD CONSTRAINT c_loose NOT NULL c NOT VALID;",
            "COMMENT ON CONSTRAINT c_loose ON s.t IS 'old rows';",
        ])
        #expect(FeatureCheck.unsupported(in: catalog, targetVersion: 170_000).map(\.feature)
            == ["NOT VALID not-null constraints", "NO INHERIT not-null constraints"])
    }

    @Test func identityAndGeneratedColumns() throws {
        let create = try #require(preData(containing: "CREATE TABLE queen.message_traces").first)
        #expect(create.contains("doubled bigint GENERATED ALWAYS AS ((id * 2)) STORED"))
        let identity = try #require(preData(containing: "ADD GENERATED ALWAYS AS IDENTITY").first)
        #expect(identity.contains("SEQUENCE NAME queen.message_traces_id_seq"))
        #expect(!ddl.preData.map(\.sql).contains { $0.hasPrefix("CREATE SEQUENCE queen.message_traces_id_seq") },
                "identity sequences come with their column")
        #expect(ddl.sequenceValues.map(\.sql) == ["SELECT pg_catalog.setval('queen.message_traces_id_seq', 42, true);"])
    }

    @Test func keysAreBuiltAsIndexesThenAttachedAfterTheData() throws {
        let indexing = try #require(ddl.tablePostData[CatalogSamples.queues])
        #expect(indexing.builds.map { $0.map(\.sql) } == [
            ["CREATE UNIQUE INDEX queues_pkey ON queen.queues USING btree (id);"],
            ["CREATE UNIQUE INDEX queues_name_key ON queen.queues USING btree (name);"],
        ])
        #expect(indexing.then.map(\.sql) == [
            "ALTER TABLE ONLY queen.queues ADD CONSTRAINT queues_pkey PRIMARY KEY USING INDEX queues_pkey;",
            "ALTER TABLE ONLY queen.queues ADD CONSTRAINT queues_name_key UNIQUE USING INDEX queues_name_key DEFERRABLE INITIALLY DEFERRED;",
        ])
        #expect(ddl.tablePostData[CatalogSamples.messages]?.statements.map(\.sql)
            == ["CREATE INDEX idx_messages_payload ON queen.messages USING gin (payload);"])
    }

    @Test func postDataHasForeignKeysAndTriggersWithTheirState() {
        let sql = (ddl.postData + ddl.foreignKeys.flatMap { $0 }).map(\.sql)
        #expect(sql.contains(
            "ALTER TABLE ONLY queen.message_traces ADD CONSTRAINT message_traces_message_id_fkey FOREIGN KEY (message_id) REFERENCES queen.messages(id) ON DELETE CASCADE;"))
        #expect(sql.contains("ALTER TABLE queen.queues DISABLE TRIGGER trg_touch;"))
        #expect(!ddl.preData.map(\.sql).contains { $0.contains("TRIGGER") }, "triggers must not exist during the load")
    }

    @Test func ownershipOnlyWhenAsked() {
        #expect(!ddl.allStatements.contains { $0.sql.contains("OWNER TO") })
        var catalog = CatalogSamples.queen
        catalog.schemas[0].ownership = Ownership(owner: "Queen Admin", grants: [Grant(grantee: "", privilege: "USAGE", grantable: false)],
                                                 hasExplicitACL: true)
        let withOwners = DDLRenderer(options: .init(includeOwnership: true)).render(catalog)
        #expect(withOwners.preData.map(\.sql).contains("ALTER SCHEMA queen OWNER TO \"Queen Admin\";"))
        #expect(withOwners.privileges.map(\.sql).contains("GRANT USAGE ON SCHEMA queen TO PUBLIC;"))
    }

    @Test func sequencesPrintNoMinMaxForTypeDefaults() {
        let sequence = Sequence(name: QualifiedName("s", "q"), dataType: "integer", start: 5, increment: 2,
                                minValue: 1, maxValue: Int64(Int32.max), cache: 1, cycle: true)
        let sql = DDLRenderer().createSequence(sequence)[0].sql
        #expect(sql == "CREATE SEQUENCE s.q AS integer\n    START WITH 5\n    INCREMENT BY 2\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1\n    CYCLE;")
    }
}

@Suite struct ObjectsNeedingKeysTests {
    @Test func viewsThatRelyOnAKeyAndWhatIsBuiltOnThemWaitForThePostData() throws {
        let table = QualifiedName("s", "t")
        var catalog = SchemaCatalog(serverVersion: 150_000, schemas: [Schema(name: "s")], tables: [
            Table(oid: 1, name: table, columns: [Column(name: "id", type: "integer"), Column(name: "label", type: "text")]),
        ])
        catalog.views = [
            View(oid: 2, name: QualifiedName("s", "grouped"), materialized: false,
                 definition: " SELECT id, label FROM s.t GROUP BY id;"),
            View(oid: 3, name: QualifiedName("s", "on_grouped"), materialized: false,
                 definition: " SELECT label FROM s.grouped;"),
            View(oid: 4, name: QualifiedName("s", "plain"), materialized: false, definition: " SELECT id FROM s.t;"),
        ]
        catalog.dependencies = [
            Dependency(object: ObjectKey(.relation, 2), referenced: ObjectKey(.relation, 1)),
            Dependency(object: ObjectKey(.relation, 3), referenced: ObjectKey(.relation, 2)),
            Dependency(object: ObjectKey(.relation, 4), referenced: ObjectKey(.relation, 1)),
        ]
        catalog.needsKeys = [ObjectKey(.relation, 2)]
        let ddl = DDLRenderer().render(catalog)
        let preData = ddl.preData.map(\.sql)
        #expect(preData.contains { $0.hasPrefix("CREATE VIEW s.plain") })
        #expect(!preData.contains { $0.hasPrefix("CREATE VIEW s.grouped") || $0.hasPrefix("CREATE VIEW s.on_grouped") })
        let postData = ddl.postData.map(\.sql)
        let grouped = try #require(postData.firstIndex { $0.hasPrefix("CREATE VIEW s.grouped") })
        let onGrouped = try #require(postData.firstIndex { $0.hasPrefix("CREATE VIEW s.on_grouped") })
        #expect(grouped < onGrouped)
    }
}
