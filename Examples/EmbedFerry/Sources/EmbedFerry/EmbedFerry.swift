import Ferry
import Foundation

/// Migrates one schema the way a server would embed it: start the run, follow its progress
/// stream, then validate with checksums.
///   PGFERRY_SOURCE_URL=… PGFERRY_TARGET_URL=… swift run EmbedFerry SCHEMA
@main
struct EmbedFerry {
    static func main() async {
        let environment = ProcessInfo.processInfo.environment
        guard CommandLine.arguments.count == 2,
              let sourceURL = environment["PGFERRY_SOURCE_URL"], let targetURL = environment["PGFERRY_TARGET_URL"] else {
            print("usage: PGFERRY_SOURCE_URL=… PGFERRY_TARGET_URL=… EmbedFerry SCHEMA")
            exit(2)
        }
        let schema = CommandLine.arguments[1]
        do {
            let source = try ConnectionConfiguration(url: sourceURL)
            let target = try ConnectionConfiguration(url: targetURL)
            let migration = Migration(request: MigrationRequest(source: source, target: target, schemas: [schema]))

            // The run in a task of its own; the stream reports on it until it ends.
            let run = Task { try await migration.run() }
            for await progress in migration.progressUpdates(every: .milliseconds(200)) {
                let done = progress.tables.filter { $0.state == .done }.count
                print("\(progress.status.rawValue): \(progress.currentStep) — \(done)/\(progress.tables.count) tables, \(progress.totalRows) rows")
            }
            let report = try await run.value
            print("migrated \(report.progress.totalRows) rows of \(report.progress.tables.count) tables in \(String(format: "%.1f", report.progress.elapsedSeconds)) s")

            let validation = try await Validator(source: source, target: target, schemas: [schema], checksums: true).validate()
            let differing = validation.tables.filter { !$0.match }.map(\.table)
            print(validation.allMatch ? "validated: \(validation.tables.count) tables match (row counts and checksums)"
                                      : "validation failed: \(differing.joined(separator: ", "))")
            exit(validation.allMatch ? 0 : 1)
        } catch {
            // FerryError says what failed, on which side, with the server's SQLSTATE when there is one.
            print("migration failed: \(error)")
            exit(1)
        }
    }
}
