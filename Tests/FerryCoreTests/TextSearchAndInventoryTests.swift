@testable import FerryCore
import Testing

@Suite struct TextSearchAndInventoryTests {
    static let schema = "s"

    @Test func textSearchObjectsRenderAsPgDumpWritesThem() throws {
        var catalog = SchemaCatalog(serverVersion: 150_000, schemas: [Schema(name: "s")])
        catalog.textSearch = [
            TextSearchObject(oid: 10, kind: .configuration, name: QualifiedName("s", "cfg"), options: ["PARSER = s.words"],
                             mappings: [.init(tokenType: "asciiword", dictionaries: ["s.dict", "english_stem"]),
                                        .init(tokenType: "int", dictionaries: ["simple"])],
                             comment: "mine", ownership: Ownership(owner: "app")),
            TextSearchObject(oid: 11, kind: .dictionary, name: QualifiedName("s", "dict"),
                             options: ["TEMPLATE = s.plain", "stopwords = 'english'"]),
        ]
        catalog.dependencies = [Dependency(object: ObjectKey(.textSearchConfiguration, 10),
                                           referenced: ObjectKey(.textSearchDictionary, 11))]
        let sql = DDLRenderer(options: .init(includeOwnership: true)).render(catalog).preData.map(\.sql)
        let dictionary = try #require(sql.firstIndex(of: "CREATE TEXT SEARCH DICTIONARY s.dict (\n    TEMPLATE = s.plain,\n    stopwords = 'english'\n);"))
        let configuration = try #require(sql.firstIndex(of: "CREATE TEXT SEARCH CONFIGURATION s.cfg (\n    PARSER = s.words\n);"))
        #expect(dictionary < configuration, "pg_depend orders the dictionary first")
        #expect(Array(sql[(configuration + 1)...]) == [
            "ALTER TEXT SEARCH CONFIGURATION s.cfg\n    ADD MAPPING FOR asciiword WITH s.dict, english_stem;",
            "ALTER TEXT SEARCH CONFIGURATION s.cfg\n    ADD MAPPING FOR \"int\" WITH simple;",
            "COMMENT ON TEXT SEARCH CONFIGURATION s.cfg IS 'mine';",
            "ALTER TEXT SEARCH CONFIGURATION s.cfg OWNER TO app;",
        ])
    }

    @Test func familiesComeWithTheirLooseMembersAndClassesWithTheirOwn() throws {
        var catalog = SchemaCatalog(serverVersion: 150_000, schemas: [Schema(name: "s")])
        catalog.operatorClasses = [
            OperatorClass(oid: 20, kind: .family, name: QualifiedName("s", "abs_ops"), accessMethod: "hash",
                          members: ["OPERATOR 1 s.=~=(integer,bigint)"]),
            OperatorClass(oid: 21, kind: .family, name: QualifiedName("s", "empty_ops"), accessMethod: "btree"),
            OperatorClass(oid: 22, kind: .opclass, name: QualifiedName("s", "abs_int4_ops"), accessMethod: "hash",
                          head: .init(isDefault: false, type: "integer", family: QualifiedName("s", "abs_ops")),
                          members: ["OPERATOR 1 s.=~=(integer,integer)", "FUNCTION 1 (integer, integer) s.abs_hash(integer)"]),
            OperatorClass(oid: 23, kind: .opclass, name: QualifiedName("s", "no_members"), accessMethod: "btree",
                          head: .init(isDefault: true, type: "s.t", family: QualifiedName("s", "empty_ops"))),
        ]
        let sql = DDLRenderer().render(catalog).preData.map(\.sql)
        #expect(sql.contains("CREATE OPERATOR FAMILY s.abs_ops USING hash;"))
        #expect(sql.contains("ALTER OPERATOR FAMILY s.abs_ops USING hash ADD\n    OPERATOR 1 s.=~=(integer,bigint);"))
        #expect(sql.contains("CREATE OPERATOR FAMILY s.empty_ops USING btree;"))
        #expect(!sql.contains { $0.hasPrefix("ALTER OPERATOR FAMILY s.empty_ops") }, "an empty family adds nothing")
        #expect(sql.contains("""
            CREATE OPERATOR CLASS s.abs_int4_ops
                FOR TYPE integer USING hash FAMILY s.abs_ops AS
                OPERATOR 1 s.=~=(integer,integer),
                FUNCTION 1 (integer, integer) s.abs_hash(integer);
            """))
        #expect(sql.contains("CREATE OPERATOR CLASS s.no_members\n    DEFAULT FOR TYPE s.t USING btree FAMILY s.empty_ops AS\n    STORAGE s.t;"))
    }

    /// Inventory minus what the catalog recreates: whatever kind the reader does not know is listed.
    @Test func notMigratedIsTheInventoryMinusWhatIsRecreated() {
        let table = QualifiedName("s", "t")
        var catalog = SchemaCatalog(serverVersion: 150_000, schemas: [Schema(name: "s")],
                                    triggers: [Trigger(name: "tg", table: table, definition: "", enabled: "O")])
        catalog.textSearch = [TextSearchObject(oid: 30, kind: .configuration, name: QualifiedName("s", "cfg"), options: [])]
        let preData: Set<ObjectKey> = [ObjectKey(.relation, 1), ObjectKey(.textSearchConfiguration, 30)]
        let inventory = [
            SchemaObject(identity: .key(catalog: "pg_class", oid: 1), name: "t", label: "table s.t"),
            SchemaObject(identity: .key(catalog: "pg_ts_config", oid: 30), name: "cfg", label: "text search configuration s.cfg"),
            SchemaObject(identity: .member(catalog: "pg_trigger", of: table, name: "tg"), name: "tg", label: "trigger tg on table s.t"),
            SchemaObject(identity: .key(catalog: "pg_conversion", oid: 40), name: "conv", label: "conversion s.conv"),
            SchemaObject(identity: .key(catalog: "pg_class", oid: 41), name: "remote", label: "foreign table s.remote"),
            SchemaObject(identity: .member(catalog: "pg_trigger", of: table, name: "other"), label: "trigger other on table s.t"),
        ]
        #expect(catalog.notRecreated(in: inventory, preData: preData).map(\.label)
            == ["conversion s.conv", "foreign table s.remote", "trigger other on table s.t"])
    }

    @Test func aRecreatedObjectThatNeedsANotRecreatedOneIsBlocked() {
        var catalog = SchemaCatalog(serverVersion: 150_000, schemas: [Schema(name: "s")], functions: [
            Function(name: QualifiedName("s", "count_remote"), identityArguments: "",
                     definition: "CREATE FUNCTION s.count_remote() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM s.\"Remote\" $$"),
            Function(name: QualifiedName("s", "no_match"), identityArguments: "",
                     definition: "CREATE FUNCTION s.no_match() RETURNS text LANGUAGE sql AS $$ SELECT 'remotes' || remote_x $$"),
        ])
        catalog.views = [View(oid: 2, name: QualifiedName("s", "v"), materialized: false, definition: "")]
        let preData: Set<ObjectKey> = [ObjectKey(.relation, 2)]
        let remote = SchemaObject(identity: .key(catalog: "pg_class", oid: 41), name: "Remote", label: "foreign table s.\"Remote\"")
        let blocked = catalog.blocked(
            inventory: [remote, SchemaObject(identity: .key(catalog: "pg_class", oid: 2), name: "v", label: "view s.v")],
            dependencies: [
                SchemaDependency(owner: .key(catalog: "pg_class", oid: 2), objectLabel: "rule _RETURN on view s.v",
                                 referenced: remote.identity),
                // A not-recreated object's own needs refuse nothing.
                SchemaDependency(owner: .key(catalog: "pg_class", oid: 41), objectLabel: "foreign table s.\"Remote\"",
                                 referenced: .key(catalog: "pg_class", oid: 2)),
            ], preData: preData)
        #expect(blocked.map(\.description) == [
            "rule _RETURN on view s.v depends on foreign table s.\"Remote\", which pgferry does not recreate",
            "function s.count_remote() names foreign table s.\"Remote\", which pgferry does not recreate",
        ])
    }

    @Test func identifierMatchingNeedsWordBoundaries() {
        #expect("select * from s.remote;".containsIdentifier("remote"))
        #expect("from \"remote\"".containsIdentifier("remote"))
        #expect(!"remotes, remote_x, xremote, $remote".containsIdentifier("remote"))
        #expect("remote".containsIdentifier("remote"))
    }
}
