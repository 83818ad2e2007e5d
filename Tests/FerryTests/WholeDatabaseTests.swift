import Ferry
import Foundation
import FerryTestSupport
import Testing

/// Issue 19, point 1 (its first part): `--all-schemas` takes every schema of the database but the
/// system ones and those an extension made, as `pg_dump` without `-n` does.
@Suite struct WholeDatabaseTests {
    @Test func allSchemasTakesEverySchemaButTheSystemsAndTheExtensionsOwn() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "whole_src")
        let target = try await TestDatabase.create(on: try await TestServers.target, "whole_tgt")
        try await source.execute("""
            CREATE SCHEMA app; CREATE SCHEMA billing; CREATE SCHEMA helpers;
            CREATE EXTENSION citext WITH SCHEMA helpers;
            CREATE TABLE app.users (id int PRIMARY KEY, email helpers.citext UNIQUE);
            CREATE TABLE billing.invoices (id int PRIMARY KEY, user_id int REFERENCES app.users, total numeric(10, 2));
            CREATE TABLE public.settings (key text PRIMARY KEY, value text);
            INSERT INTO app.users VALUES (1, 'A@example.com'), (2, 'b@example.com');
            INSERT INTO billing.invoices VALUES (10, 1, 9.50), (11, 2, 20);
            INSERT INTO public.settings VALUES ('mode', 'live');
            """)
        let schemas = try await DatabaseSchemas.all(of: source.configuration)
        #expect(schemas == ["app", "billing", "helpers", "public"])
        let report = try await Migration(request: MigrationRequest(source: source.configuration, target: target.configuration,
                                                                   schemas: schemas)).run()
        #expect(report.progress.comparison?.isEqual == true, "\(report.progress.comparison?.lines ?? [])")
        // With the extension in the dump: the cross-version oracle restores it into a fresh database.
        let withExtension = ["--extension=citext"]
        #expect(try source.schemaDump(schemas, extraArguments: withExtension)
            == (try target.schemaDump(schemas, extraArguments: withExtension)))
        let rows: PGQuery = """
            SELECT (SELECT string_agg(email::text, ',' ORDER BY id) FROM app.users) AS users,
                   (SELECT sum(total)::text FROM billing.invoices) AS total, (SELECT value FROM public.settings) AS mode,
                   (SELECT count(*) FROM app.users WHERE email = 'a@EXAMPLE.com') AS citext_matches
            """
        #expect(try await target.query(rows).rows[0].values == (try await source.query(rows).rows[0].values))
    }

    /// The command line: `plan --all-schemas` lists every schema; with `--schema` too it is refused.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: CommandLineTests.binary)))
    func theCommandLineTakesAllSchemasOrNamedOnesNotBoth() async throws {
        let source = try await TestDatabase.create(on: try await TestServers.source, "whole_cli")
        try await source.execute("CREATE SCHEMA one; CREATE TABLE one.t (id int); CREATE SCHEMA two; CREATE TABLE two.t (id int)")
        let plan = try TestServers.execute(CommandLineTests.binary, ["plan", "--source", CommandLineTests.url(source), "--all-schemas"])
        #expect(plan.status == 0, "\(plan.output)")
        #expect(plan.output.contains("-- pgferry plan for schema one, public, two"), "\(plan.output)")
        let both = try TestServers.execute(CommandLineTests.binary, ["plan", "--source", CommandLineTests.url(source),
                                                                     "--all-schemas", "--schema", "one"])
        #expect(both.status != 0)
        #expect(both.output.contains("--schema and --all-schemas exclude each other"), "\(both.output)")
    }
}
