import ArgumentParser
import Ferry
import FerryServer

extension PGFerry {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the ordered DDL and the table list with sizes; touches nothing.")

        @OptionGroup var connections: ConnectionOptions
        @OptionGroup var scope: SchemaOptions
        @OptionGroup var prerequisites: PrerequisiteOptions

        @Option(help: "COPY format policy to plan with.")
        var format: FormatPolicy = .auto

        @Option(name: .customLong("orphaned-fk"), help: "not-valid or exclude-child.")
        var orphanPolicy: OrphanPolicy = .notValid

        @Flag(name: .customLong("owners"), help: "Include owners and grants.")
        var includeOwnership = false

        @Flag(name: .customLong("large-objects"), help: "Plan to copy the source database's large objects too.")
        var largeObjects = false

        @Flag(help: "Plan a --follow run: notes what following does not replicate and what cutover does about it.")
        var follow = false

        @Flag(name: .customLong("no-refresh-matviews"), help: "With --follow: plan without the materialized view refresh at cutover.")
        var skipMatviewRefresh = false

        func run() async throws {
            let source = try connections.sourceConfiguration()
            let target = connections.target == nil ? source : try connections.targetConfiguration()
            let plan = try await Migration(request: MigrationRequest(
                source: source, target: target, schemas: try await scope.resolvedSchemas(source: source), excludeTableData: scope.excludeTableData, toleratedExclusions: QueenContract.excludableTables,
                format: format, orphanPolicy: orphanPolicy, includeOwnership: includeOwnership, largeObjects: largeObjects,
                follow: follow, refreshMaterializedViews: !skipMatviewRefresh, roles: prerequisites.roles,
                createPrerequisites: prerequisites.createPrerequisites, wholeDatabase: scope.allSchemas)).plan()
            print("-- pgferry plan for schema \(plan.schemas.joined(separator: ", "))")
            for note in plan.notes where !note.hasPrefix("not migrated: ") && !note.hasPrefix("refused: ") { print("-- note: \(note)") }
            for prerequisite in plan.prerequisites { print("-- requires on the target: \(prerequisite)") }
            for feature in plan.unsupported { print("-- the target cannot take: \(feature)") }
            for object in plan.notMigrated { print("-- not migrated by pgferry: \(object)") }
            for object in plan.blockedObjects { print("-- refused: \(object)") }
            print("\n-- tables, largest first (copied in this order)")
            for table in plan.tables {
                let slices = plan.copyTasks.filter { $0.table == table.table }.count
                print("--   \(table.table)  \(ProgressText.bytes(table.bytes))  ~\(max(0, table.estimatedRows)) rows  "
                    + (table.copiesData ? table.format.rawValue : "data excluded") + (slices > 1 ? ", \(slices) slices" : ""))
            }
            print("\n-- pre-data")
            (plan.ddl.database.cleanup + plan.ddl.preData).forEach { print($0.printable) }
            if !plan.ddl.tableCreation.isEmpty {
                print("\n-- small tables, each created by the group that loads it")
                for table in plan.tables { plan.ddl.tableCreation[table.table]?.forEach { print($0.printable) } }
            }
            print("\n-- per table, after its data")
            for table in plan.tables { plan.ddl.tablePostData[table.table]?.statements.forEach { print($0.printable) } }
            print("\n-- after all data")
            (plan.ddl.sequenceValues + plan.ddl.postData + plan.ddl.foreignKeys.flatMap { $0 } + plan.ddl.privileges + plan.ddl.refresh
                + plan.ddl.database.postData + plan.ddl.database.last).forEach { print($0.printable) }
        }
    }
}
