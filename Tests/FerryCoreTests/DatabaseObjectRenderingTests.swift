@testable import FerryCore
import Testing

/// Base and shell types, casts, transforms, conversions and foreign tables in pre-data.
@Suite struct DatabaseObjectRenderingTests {
    static let code = QualifiedName("s", "code")

    /// A base type `s.code` (OID 10) with its input function (OID 20), whose `pg_depend` edges
    /// run both ways, and a SQL function (OID 21) that takes the type.
    static var catalog: SchemaCatalog {
        var catalog = SchemaCatalog(serverVersion: 150_000, schemas: [Schema(name: "s")], functions: [
            Function(name: QualifiedName("s", "code_in"), identityArguments: "cstring",
                     definition: "CREATE OR REPLACE FUNCTION s.code_in(cstring)\n RETURNS s.code\n LANGUAGE internal\nAS $function$int4in$function$\n"),
            Function(name: QualifiedName("s", "doubled"), identityArguments: "c s.code",
                     definition: "CREATE OR REPLACE FUNCTION s.doubled(c s.code) RETURNS integer LANGUAGE sql AS 'SELECT 1'"),
        ])
        catalog.functions[0].oid = 20
        catalog.functions[1].oid = 21
        catalog.types = [
            UserType(oid: 10, name: code, definition: .base(["INTERNALLENGTH = 4", "INPUT = s.code_in", "OUTPUT = s.code_out"])),
            UserType(oid: 11, name: QualifiedName("s", "pending"), definition: .shell),
        ]
        catalog.casts = [Cast(oid: 30, source: "s.code", target: "integer", method: .function("s.doubled(s.code)"),
                              context: "ASSIGNMENT", comment: "code as int"),
                         Cast(oid: 31, source: "s.code", target: "text", method: .inOut, context: nil)]
        catalog.transforms = [Transform(oid: 40, type: "s.code", language: "plpython3u", fromSQL: nil, toSQL: "s.code_in(internal)")]
        catalog.conversions = [Conversion(oid: 50, name: QualifiedName("s", "latin"), sourceEncoding: "LATIN1", targetEncoding: "UTF8",
                                          function: "iso8859_1_to_utf8", isDefault: true)]
        catalog.tables = [Table(oid: 60, name: QualifiedName("s", "remote"), kind: .foreign, columns: [
            Column(name: "id", type: "integer", notNull: true),
        ], comment: "far", replicaIdentity: "n")]
        catalog.tables[0].foreignServer = "Far Server"
        catalog.tables[0].foreignOptions = ["table_name 'T'", "schema_name 'crm'"]
        catalog.tables[0].columns[0].foreignOptions = ["column_name 'ID'"]
        catalog.dependencies = [
            Dependency(object: ObjectKey(.type, 10), referenced: ObjectKey(.function, 20)),
            Dependency(object: ObjectKey(.function, 20), referenced: ObjectKey(.type, 10)),
            Dependency(object: ObjectKey(.function, 21), referenced: ObjectKey(.type, 10)),
            Dependency(object: ObjectKey(.cast, 30), referenced: ObjectKey(.function, 21)),
        ]
        return catalog
    }

    let sql = DDLRenderer().render(Self.catalog).preData.map(\.sql)

    @Test func aBaseTypeStartsAsAShellAndIsCompletedAfterItsFunctions() throws {
        let shell = try #require(sql.firstIndex(of: "CREATE TYPE s.code;"))
        let input = try #require(sql.firstIndex { $0.hasPrefix("CREATE OR REPLACE FUNCTION s.code_in") })
        let full = try #require(sql.firstIndex(of: "CREATE TYPE s.code (\n    INTERNALLENGTH = 4,\n    INPUT = s.code_in,\n    OUTPUT = s.code_out\n);"))
        let user = try #require(sql.firstIndex { $0.hasPrefix("CREATE OR REPLACE FUNCTION s.doubled") })
        let cast = try #require(sql.firstIndex { $0.hasPrefix("CREATE CAST (s.code AS integer)") })
        #expect(shell < input && input < full && full < user && user < cast)
        #expect(sql.contains("CREATE TYPE s.pending;"))
        #expect(sql.filter { $0 == "CREATE TYPE s.code;" }.count == 1)
    }

    @Test func castsTransformsAndConversions() {
        #expect(sql.contains("CREATE CAST (s.code AS integer) WITH FUNCTION s.doubled(s.code) AS ASSIGNMENT;"))
        #expect(sql.contains("COMMENT ON CAST (s.code AS integer) IS 'code as int';"))
        #expect(sql.contains("CREATE CAST (s.code AS text) WITH INOUT;"))
        #expect(sql.contains("CREATE TRANSFORM FOR s.code LANGUAGE plpython3u (\n    TO SQL WITH FUNCTION s.code_in(internal)\n);"))
        #expect(sql.contains("CREATE DEFAULT CONVERSION s.latin FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;"))
    }

    @Test func foreignTablesNameTheirServerAndOptions() {
        #expect(sql.contains("""
            CREATE FOREIGN TABLE s.remote (
                id integer OPTIONS (column_name 'ID') NOT NULL
            )
            SERVER "Far Server"
            OPTIONS (
                table_name 'T',
                schema_name 'crm'
            );
            """))
        #expect(sql.contains("COMMENT ON FOREIGN TABLE s.remote IS 'far';"))
        #expect(!sql.contains { $0.contains("REPLICA IDENTITY") }, "foreign tables take none")
        let plan = try? MigrationPlan(catalog: Self.catalog, options: PlanOptions(targetServerVersion: 150_000))
        #expect(plan?.tables.isEmpty == true, "no data to copy")
    }
}
