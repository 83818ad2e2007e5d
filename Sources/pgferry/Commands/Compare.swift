import ArgumentParser
import Ferry
import Foundation

extension PGFerry {
    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare every object of the schema, source against target, from the catalog: what is missing, extra or different.",
            discussion: "Exit status, like diff: 0 equal, 1 differences, 2 trouble (a connection or catalog read failed).")

        @OptionGroup var connections: ConnectionOptions

        @Option(name: .customLong("schema"), help: "Schema to compare (repeat or comma-separate for several).")
        var schemaValues: [String] = []

        @Flag(name: .customLong("all-schemas"),
              help: "Every schema of the source database, and what a whole-database move carries outside them (README: Whole database).")
        var allSchemas = false

        @Flag(name: .customLong("owners"), help: "Also compare owners and ACLs.")
        var includeOwnership = false

        @Flag(help: "Also compare the roles a migration with --roles creates (attributes, role-wide settings, memberships; never passwords).")
        var roles = false

        @Flag(name: .customLong("large-objects"),
              help: "Also compare the database's large objects with the source's OIDs (count, and an md5 of their bytes).")
        var largeObjects = false

        @Flag(help: "Print JSON.")
        var json = false

        var schemas: [String] { SchemaOptions.split(schemaValues) }

        func validate() throws {
            if schemas.isEmpty && !allSchemas { throw ValidationError("--schema is required, e.g. --schema queen, or --all-schemas") }
            if !schemas.isEmpty && allSchemas { throw ValidationError("--schema and --all-schemas exclude each other: give one") }
        }

        func run() async throws {
            let comparison: SchemaComparison
            do {
                let source = try connections.sourceConfiguration()
                comparison = try await SchemaCompare(
                    source: source, target: try connections.targetConfiguration(),
                    schemas: allSchemas ? try await DatabaseSchemas.all(of: source) : schemas, includeOwnership: includeOwnership,
                    largeObjects: largeObjects, roles: roles, wholeDatabase: allSchemas).compare()
            } catch let error as ValidationError {
                throw error
            } catch {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                throw ExitCode(2)
            }
            if json {
                try comparison.printJSON()
            } else {
                comparison.lines.forEach { print($0) }
            }
            if !comparison.isEqual { throw ExitCode(1) }
        }
    }
}
