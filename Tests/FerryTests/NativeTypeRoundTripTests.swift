import Ferry
import FerryCore
import FerryTestSupport
import Foundation
import Testing

/// Issue 9, item 1 and the foreign part of item 3: base and shell types with their C and
/// internal I/O functions, the compiled code those need, and foreign tables with their server.
@Suite struct NativeTypeRoundTripTests {
    @Test func baseAndShellTypesRoundTripWithTheirFunctionsAndData() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "base_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "base_tgt")
        try await source.execute("""
            CREATE SCHEMA bt;
            CREATE TYPE bt.pending;
            COMMENT ON TYPE bt.pending IS 'a shell never completed';
            CREATE TYPE bt.code;
            CREATE FUNCTION bt.code_in(cstring) RETURNS bt.code LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'int4in';
            CREATE FUNCTION bt.code_out(bt.code) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'int4out';
            CREATE FUNCTION bt.code_recv(internal) RETURNS bt.code LANGUAGE internal IMMUTABLE STRICT AS 'int4recv';
            CREATE FUNCTION bt.code_send(bt.code) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT AS 'int4send';
            CREATE TYPE bt.code (INPUT = bt.code_in, OUTPUT = bt.code_out, RECEIVE = bt.code_recv, SEND = bt.code_send,
                INTERNALLENGTH = 4, PASSEDBYVALUE, ALIGNMENT = int4, STORAGE = plain, CATEGORY = 'N', PREFERRED = true,
                DEFAULT = '42', DELIMITER = ';');
            COMMENT ON TYPE bt.code IS 'an int4 under another name';
            CREATE TYPE bt.label;
            CREATE FUNCTION bt.label_in(cstring) RETURNS bt.label LANGUAGE internal IMMUTABLE STRICT AS 'textin';
            CREATE FUNCTION bt.label_out(bt.label) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'textout';
            CREATE FUNCTION bt.label_typmod_in(cstring[]) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'varchartypmodin';
            CREATE FUNCTION bt.label_typmod_out(integer) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'varchartypmodout';
            CREATE TYPE bt.label (INPUT = bt.label_in, OUTPUT = bt.label_out, TYPMOD_IN = bt.label_typmod_in,
                TYPMOD_OUT = bt.label_typmod_out, INTERNALLENGTH = variable, STORAGE = extended, COLLATABLE = true, CATEGORY = 'S');
            CREATE TYPE bt.pair;
            CREATE FUNCTION bt.pair_in(cstring) RETURNS bt.pair LANGUAGE internal IMMUTABLE STRICT AS 'int8in';
            CREATE FUNCTION bt.pair_out(bt.pair) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int8out';
            CREATE TYPE bt.pair (INPUT = bt.pair_in, OUTPUT = bt.pair_out, INTERNALLENGTH = 8, PASSEDBYVALUE,
                ALIGNMENT = double, ELEMENT = integer, SUBSCRIPT = raw_array_subscript_handler);
            -- A SQL function on a base type needs the complete type, not the shell.
            CREATE FUNCTION bt.doubled(c bt.code) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT c::text::integer * 2';
            -- The issue's failure: a composite type with a column of a base type.
            CREATE TYPE bt.tagged AS (code bt.code, label bt.label);
            CREATE TABLE bt.items (id int PRIMARY KEY, code bt.code, label bt.label(20) COLLATE "C", codes bt.code[],
                                   tag bt.tagged, pair bt.pair, fallback bt.code DEFAULT '7');
            INSERT INTO bt.items (id, code, label, codes, tag, pair)
            SELECT g, (g * 3)::text::bt.code, ('label ' || g)::bt.label, ARRAY[g::text::bt.code, '5'::bt.code],
                   ROW(g::text::bt.code, 'tag ' || g)::bt.tagged, (g * 4294967296 + g)::text::bt.pair
            FROM generate_series(1, 300) g;
            """)
        // A transform whose function is the type's own: recreated after the complete type.
        try await source.executeDatabaseWideObjects(
            "CREATE TRANSFORM FOR bt.code LANGUAGE sql (TO SQL WITH FUNCTION bt.code_recv(internal))")
        // A SQL function on the type created since depends on the transform (no prerequisite).
        try await source.execute("CREATE FUNCTION bt.tripled(c bt.code) RETURNS integer LANGUAGE sql AS 'SELECT c::text::integer * 3'")
        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                            schemas: ["bt"]))
        let plan = try await migration.plan()
        #expect(plan.notMigrated.isEmpty, "\(plan.notMigrated)")
        let sql = plan.ddl.preData.map(\.sql)
        let shell = try #require(sql.firstIndex(of: "CREATE TYPE bt.code;"))
        let input = try #require(sql.firstIndex { $0.hasPrefix("CREATE OR REPLACE FUNCTION bt.code_in(") })
        let full = try #require(sql.firstIndex { $0.hasPrefix("CREATE TYPE bt.code (") })
        let doubled = try #require(sql.firstIndex { $0.hasPrefix("CREATE OR REPLACE FUNCTION bt.doubled(") })
        #expect(shell < input && input < full && full < doubled, "shell, I/O functions, type, then what uses the type")
        #expect(sql.contains("CREATE TYPE bt.pending;"))
        let transform = try #require(sql.firstIndex { $0.hasPrefix("CREATE TRANSFORM FOR bt.code LANGUAGE sql") })
        let tripled = try #require(sql.firstIndex { $0.hasPrefix("CREATE OR REPLACE FUNCTION bt.tripled(") })
        #expect(full < transform && transform < tripled)
        #expect(plan.prerequisites.isEmpty, "\(plan.prerequisites)")
        #expect(plan.nativeCode[NativeCode(language: "internal", library: nil, symbol: "int4in")] == ["bt.code_in(cstring)"])

        let report = try await migration.run()
        #expect(report.progress.status == .complete)
        #expect(try source.schemaDump(["bt"]) == (try target.schemaDump(["bt"])))
        let validation = try await Validator(source: source.configuration, target: target.configuration,
                                             schemas: ["bt"], checksums: true).validate()
        #expect(validation.allMatch, "\(validation.tables.filter { !$0.match })")
        let rows: PGQuery = "SELECT string_agg(i::text || bt.doubled(code), '|' ORDER BY id) AS v FROM bt.items i"
        #expect(try await target.query(rows).rows[0].values == (try await source.query(rows).rows[0].values))
        let typeState: PGQuery = """
            SELECT string_agg(format('%s %s %s %s %s %s %s %s %s', typname, typlen, typbyval, typalign, typstorage, typcategory,
                                     typispreferred, typdelim, coalesce(typdefault, '-')), '; ' ORDER BY typname) AS v
            FROM pg_type WHERE typnamespace = 'bt'::regnamespace
            """
        #expect(try await target.query(typeState).rows[0].values == (try await source.query(typeState).rows[0].values))
        let transformState: PGQuery = "SELECT trftype::regtype::text || ' ' || trftosql::regprocedure::text AS v FROM pg_transform"
        #expect(try await target.query(transformState).rows[0].string("v") == "bt.code bt.code_recv(internal)")
    }

    /// A schema with a C function whose library (a copy of contrib's tablefunc under a path of
    /// our own) is removed once the function exists: the source keeps the function, and no
    /// server can load the library until `placeLibrary` puts it back.
    struct CLibrarySchema {
        let source: TestDatabase
        let target: TestDatabase
        let library: URL
        let placeLibrary: () throws -> Void

        static func make(_ name: String) async throws -> CLibrarySchema {
            let source = try await TestDatabase.create(on: try await TestServers.source, "\(name)_src")
            let target = try await TestDatabase.create(on: try await TestServers.target, "\(name)_tgt")
            let libdir = try await source.query("SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'").rows[0].string("setting")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgferry-\(name)-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let library = folder.appendingPathComponent("ferry_tablefunc.so")
            let placeLibrary = { try FileManager.default.copyItem(atPath: "\(libdir)/tablefunc.so", toPath: library.path) }
            try placeLibrary()
            try await source.execute("""
                CREATE SCHEMA clib;
                CREATE FUNCTION clib.normal_rand(integer, double precision, double precision) RETURNS SETOF double precision
                    LANGUAGE c STRICT AS '\(library.path)', 'normal_rand';
                CREATE TABLE clib.samples (id int PRIMARY KEY, value double precision);
                INSERT INTO clib.samples SELECT g, g / 3.0 FROM generate_series(1, 50) g;
                """)
            try FileManager.default.removeItem(at: library)
            return CLibrarySchema(source: source, target: target, library: library, placeLibrary: placeLibrary)
        }

        func remove() { try? FileManager.default.removeItem(at: library.deletingLastPathComponent()) }

        var migration: Migration {
            Migration(request: MigrationRequest(source: source.configuration, target: target.configuration, schemas: ["clib"]))
        }
    }

    /// A C function's library missing on the target stops the run before anything is written.
    @Test func aMissingLibraryOfACFunctionIsNamedBeforeAnyWrite() async throws {
        let schema = try await CLibrarySchema.make("clib")
        defer { schema.remove() }
        try await schema.target.execute("CREATE SCHEMA clib; CREATE TABLE clib.untouched (id int)")
        await #expect {
            try await schema.migration.run()
        } throws: { error in
            let text = "\(error)"
            return text.contains("clib.normal_rand(integer, double precision, double precision)")
                && text.contains("library \(schema.library.path) (symbol normal_rand)") && text.contains("No such file")
        }
        #expect(try await schema.target.query("SELECT to_regclass('clib.untouched') IS NOT NULL AS kept").rows[0].bool("kept"),
                "nothing was written")
    }

    /// With the library in place the function and its schema move. A library built for one
    /// major version loads into no other: only pairs of one version run it.
    @Test(.enabled("needs a source and target of one major version") {
        try await VersionPair.sourceMajor == VersionPair.targetMajor
    })
    func aCFunctionMovesWithItsLibraryInPlace() async throws {
        let schema = try await CLibrarySchema.make("clib_ok")
        defer { schema.remove() }
        try schema.placeLibrary()
        try await schema.migration.run()
        #expect(try schema.source.schemaDump(["clib"]) == (try schema.target.schemaDump(["clib"])))
        #expect(try await schema.target.query("SELECT count(*) AS n FROM clib.normal_rand(4, 0, 1)").rows[0].int("n") == 4)
    }

    /// Foreign tables keep their options and column options and copy no rows; their server and its
    /// user mappings are database objects that the target must hold, named before anything is written.
    @Test func foreignTablesNeedTheirServerOnTheTarget() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "fdw_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "fdw_tgt")
        let server = """
            CREATE FOREIGN DATA WRAPPER ferry_wrapper;
            CREATE SERVER "Ferry Server" FOREIGN DATA WRAPPER ferry_wrapper OPTIONS (host 'elsewhere.invalid');
            """
        let mapping = "CREATE USER MAPPING FOR PUBLIC SERVER \"Ferry Server\" OPTIONS (user 'reader');"
        try await source.executePrerequisites(server + mapping)
        try await source.execute("""
            CREATE SCHEMA remote;
            CREATE TABLE remote.local_rows (id int PRIMARY KEY);
            INSERT INTO remote.local_rows SELECT generate_series(1, 10);
            CREATE FOREIGN TABLE remote.accounts (
                id bigint OPTIONS (column_name 'AccountID') NOT NULL,
                "E-mail" text OPTIONS (column_name 'mail', "quoted key" 'it''s') COLLATE "C",
                created date DEFAULT CURRENT_DATE,
                CHECK (id > 0)
            ) SERVER "Ferry Server" OPTIONS (schema_name 'crm', table_name 'Accounts');
            COMMENT ON FOREIGN TABLE remote.accounts IS 'remote accounts';
            COMMENT ON COLUMN remote.accounts.id IS 'the remote key';
            """)
        try await target.execute("CREATE SCHEMA remote; CREATE TABLE remote.untouched (id int)")
        let migration = Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                            schemas: ["remote"]))
        await #expect { try await migration.run() } throws: {
            "\($0)".contains("the schema needs server Ferry Server, which the target lacks: create it (with its foreign-data wrapper")
        }
        #expect(try await target.query("SELECT to_regclass('remote.untouched') IS NOT NULL AS kept").rows[0].bool("kept"),
                "nothing was written")

        try await target.execute(server)
        await #expect { try await migration.run() } throws: {
            "\($0)".contains("need user mapping for public on server Ferry Server, which the target lacks: "
                + "CREATE USER MAPPING FOR PUBLIC SERVER \"Ferry Server\"")
        }
        try await target.execute(mapping)
        let report = try await migration.run()
        #expect(report.plan.tables.map(\.table.description) == ["remote.local_rows"], "a foreign table has no rows to copy")
        #expect(try source.schemaDump(["remote"]) == (try target.schemaDump(["remote"])))
        let options: PGQuery = """
            SELECT ft.ftoptions::text AS t, (SELECT string_agg(attname || coalesce(attfdwoptions::text, ''), ',' ORDER BY attnum)
                   FROM pg_attribute WHERE attrelid = ft.ftrelid AND attnum > 0) AS c
            FROM pg_foreign_table ft WHERE ft.ftrelid = 'remote.accounts'::regclass
            """
        #expect(try await target.query(options).rows[0].values == (try await source.query(options).rows[0].values))
    }
}
