import ArgumentParser
import Ferry
import FerryServer
import Foundation

extension PGFerry {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare row counts (and optionally checksums) of every table of the schema, source against target.")

        @OptionGroup var connections: ConnectionOptions
        @OptionGroup var scope: SchemaOptions

        @Flag(help: "Also compare an md5 of each table's rows (reads every row on both sides).")
        var checksums = false

        @Option(name: .customLong("statement-timeout"),
                help: "Seconds one table's count or checksum may run on either side; 0 for no limit.")
        var statementTimeoutSeconds: Int = Int(Validator.defaultStatementTimeout.components.seconds)

        @Flag(name: .customLong("large-objects"), help: "Also compare the database's large objects (count, and bytes with --checksums).")
        var largeObjects = false

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard statementTimeoutSeconds >= 0 else {
                throw ValidationError("--statement-timeout must be 0 (no limit) or a number of seconds, got \(statementTimeoutSeconds)")
            }
        }

        func run() async throws {
            let source = try connections.sourceConfiguration()
            let report = try await Validator(
                source: source, target: try connections.targetConfiguration(),
                schemas: try await scope.resolvedSchemas(source: source), excludedTables: scope.excludeTableData, toleratedExclusions: QueenContract.excludableTables, checksums: checksums,
                statementTimeout: .seconds(statementTimeoutSeconds), largeObjects: largeObjects).validate()
            try printValidation(report, json: json)
        }
    }
}

func printValidation(_ report: ValidationReport, json: Bool) throws {
    if json {
        try report.printJSON()
    } else {
        let width = max(5, report.tables.map(\.table.count).max() ?? 5)
        print("table".padding(toLength: width, withPad: " ", startingAt: 0) + "      source      target  result")
        for table in report.tables {
            let result = table.skipped ? "skipped" : table.match ? "match" : "MISMATCH"
            print(table.table.padding(toLength: width, withPad: " ", startingAt: 0)
                + String(table.sourceCount).leftPadded(12) + String(table.targetCount).leftPadded(12) + "  " + result)
        }
        if let objects = report.largeObjects {
            print("large objects".padding(toLength: width, withPad: " ", startingAt: 0) + String(objects.sourceCount).leftPadded(12)
                + String(objects.targetCount).leftPadded(12) + "  " + (objects.match ? "match" : "MISMATCH"))
        }
        print(report.allMatch ? "all tables match" : "some tables do not match")
    }
    if !report.allMatch { throw CommandFailure("validation found tables that do not match") }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
