import ArgumentParser
import Ferry
import Foundation

/// Where to read from and write to. URLs may also come from the environment, which keeps
/// passwords out of process arguments; libpq's PGPASSWORD and ~/.pgpass work as usual.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Source connection: postgresql:// URL or key=value string (or PGFERRY_SOURCE_URL; else libpq's PG* variables).")
    var source: String?

    @Option(help: "Target connection: postgresql:// URL or key=value string (or PGFERRY_TARGET_URL).")
    var target: String?

    func sourceConfiguration() throws -> ConnectionConfiguration {
        try Self.configuration(source ?? ProcessInfo.processInfo.environment[Self.sourceVariable], name: "source",
                               variable: Self.sourceVariable)
    }

    func targetConfiguration() throws -> ConnectionConfiguration {
        guard let url = target ?? ProcessInfo.processInfo.environment[Self.targetVariable] else {
            throw ValidationError("a target is required: --target URL or \(Self.targetVariable)")
        }
        return try Self.configuration(url, name: "target", variable: Self.targetVariable)
    }

    static let sourceVariable = "PGFERRY_SOURCE_URL"
    static let targetVariable = "PGFERRY_TARGET_URL"

    /// Parses `url`; warns when it carries a password on the command line, naming only the
    /// places pgferry really reads one from (`variable`: the environment variable that may hold the URL).
    static func configuration(_ url: String?, name: String, variable: String?) throws -> ConnectionConfiguration {
        guard let url else { return ConnectionConfiguration() }
        let configuration = try ConnectionConfiguration(url: url)
        if configuration["password"] != nil && CommandLine.arguments.contains(where: { $0.contains(url) }) {
            let places = (variable.map { [$0] } ?? []) + ["PGPASSWORD", "~/.pgpass"]
            FileHandle.standardError.write(Data(
                "pgferry: warning: the \(name) password is in a command-line argument, visible to other users; use \(places.joined(separator: ", ")) instead\n".utf8))
        }
        return configuration
    }
}

/// The schemas and tables a command works on.
struct SchemaOptions: ParsableArguments {
    @Option(name: .customLong("schema"), help: "Schema to move (repeat or comma-separate for several).")
    var schemaValues: [String] = []

    @Flag(name: .customLong("all-schemas"),
          help: "Every schema of the source database but the system ones and those an extension made, and what pg_dump without -n carries at database level (README: Whole database).")
    var allSchemas = false

    @Option(name: .customLong("exclude-table-data"), help: "Tables whose rows are not copied (DDL still is): name or schema.name, comma-separated.")
    var excludeTableDataValues: [String] = []

    var schemas: [String] { Self.split(schemaValues) }
    var excludeTableData: [String] { Self.split(excludeTableDataValues) }

    func validate() throws {
        if schemas.isEmpty && !allSchemas { throw ValidationError("--schema is required, e.g. --schema queen, or --all-schemas") }
        if !schemas.isEmpty && allSchemas { throw ValidationError("--schema and --all-schemas exclude each other: give one") }
    }

    /// The schemas named, or with `--all-schemas` every schema of the source database.
    func resolvedSchemas(source: ConnectionConfiguration) async throws -> [String] {
        allSchemas ? try await DatabaseSchemas.all(of: source) : schemas
    }

    static func split(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

extension Encodable {
    func printJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(self), as: UTF8.self))
    }
}
