@testable import FerryCore
import Testing

@Suite struct MigrationPlanTests {
    func plan(exclude: [String] = [], tolerating: [String] = [], policy: OrphanPolicy = .notValid, format: FormatPolicy = .auto,
              target: Int = 150_018) throws -> MigrationPlan {
        try MigrationPlan(catalog: CatalogSamples.queen, options: PlanOptions(
            excludeTableData: exclude, toleratedExclusions: tolerating, format: format, orphanPolicy: policy, targetServerVersion: target))
    }

    @Test func tablesAreCopiedLargestFirst() throws {
        #expect(try plan().tables.map(\.table.name) == ["messages", "message_traces", "message_trace_names", "queues"])
    }

    @Test func unknownExcludedNameIsRejectedWithTheAcceptedNames() {
        #expect {
            try plan(exclude: ["mesages"])
        } throws: { error in
            guard case let PlanError.unknownExcludedTable(name, accepted) = error else { return false }
            return name == "mesages" && accepted.contains("messages") && accepted.contains("queues")
                && "\(error)".contains("accepted:")
        }
    }

    /// An API's fixed names (Queen's `stats_history`) are skipped when the schema lacks them, and
    /// only those: the engine itself knows no such list.
    @Test func toleratedNamesAreAcceptedEvenWhenAbsent() throws {
        let plan = try plan(exclude: ["stats_history", "queen.queues"], tolerating: ["stats_history"])
        #expect(plan.tables.first { $0.table == CatalogSamples.queues }?.copiesData == false)
        #expect(throws: PlanError.self) { try self.plan(exclude: ["stats_history"]) }
    }

    @Test func excludingAPartitionedTableExcludesEveryPartitionBelowIt() throws {
        let root = QualifiedName("s", "events"), year = QualifiedName("s", "events_2024")
        let leaf = QualifiedName("s", "events_2024_a"), other = QualifiedName("s", "events_2025")
        let catalog = SchemaCatalog(serverVersion: 150_018, schemas: [Schema(name: "s")], tables: [
            Table(oid: 1, name: root, kind: .partitioned, columns: [Column(name: "id", type: "integer")]),
            Table(oid: 2, name: year, kind: .partitioned, columns: [Column(name: "id", type: "integer")], partitionOf: root),
            Table(oid: 3, name: leaf, columns: [Column(name: "id", type: "integer")], partitionOf: year),
            Table(oid: 4, name: other, columns: [Column(name: "id", type: "integer")], partitionOf: root),
        ])
        #expect(try MigrationPlan.resolveExclusions(["events"], catalog: catalog) == [root, year, leaf, other])
        #expect(try MigrationPlan.resolveExclusions(["events_2024"], catalog: catalog) == [year, leaf])
    }

    @Test func orphanedForeignKeyBecomesNotValidByDefault() throws {
        let plan = try plan(exclude: ["messages"])
        #expect(plan.hazards.map(\.constraint.name) == ["message_traces_message_id_fkey"])
        #expect(plan.tables.first { $0.table == CatalogSamples.traces }?.copiesData == true)
        #expect(plan.ddl.foreignKeys.flatMap { $0 }.map(\.sql).contains { $0.contains("message_traces_message_id_fkey") && $0.hasSuffix(" NOT VALID;") })
        #expect("\(plan.hazards[0])".contains("NOT VALID"))
    }

    @Test func excludeChildPolicyExcludesDescendantsToo() throws {
        let plan = try plan(exclude: ["messages"], policy: .excludeChild)
        let copied = Set(plan.copiedTables.map(\.table))
        #expect(copied == [CatalogSamples.queues])
        #expect(plan.hazards.count == 2)
        #expect(!plan.ddl.foreignKeys.flatMap { $0 }.map(\.sql).contains { $0.contains("NOT VALID") })
    }

    @Test func binaryOnlyForBuiltinTypesAndMatchingMajorVersions() throws {
        func formats(_ plan: MigrationPlan) -> [String: CopyFormat] {
            Dictionary(uniqueKeysWithValues: plan.tables.map { ($0.table.name, $0.format) })
        }
        #expect(formats(try plan())["queues"] == .binary)
        #expect(formats(try plan())["messages"] == .text, "a user-defined type column forces text")
        #expect(formats(try plan(target: 160_004))["queues"] == .text)
        #expect(formats(try plan(format: .binary, target: 160_004))["queues"] == .binary)
        #expect(formats(try plan(format: .text))["queues"] == .text)
    }

    @Test func aTableWithNoColumnsToCopyStillCopiesItsRows() {
        let task = TableTask(table: QualifiedName("s", "t"), columns: [], format: .text, copiesData: true, bytes: 8192,
                             estimatedRows: 2)
        #expect(task.copyOutSQL == "COPY (SELECT  FROM ONLY s.t) TO STDOUT")
        #expect(task.copyInSQL(freeze: true) == "COPY s.t FROM STDIN WITH (FREEZE)")
    }

    @Test func copyStatementsListColumnsAndSkipGeneratedOnes() throws {
        let task = try #require(try plan().tables.first { $0.table == CatalogSamples.traces })
        #expect(task.copyOutSQL == "COPY (SELECT id, message_id FROM ONLY queen.message_traces) TO STDOUT WITH (FORMAT binary)")
        #expect(task.copyInSQL(freeze: true) == "COPY queen.message_traces (id, message_id) FROM STDIN WITH (FORMAT binary, FREEZE)")
    }
}

@Suite struct FeatureCheckTests {
    @Test func featuresTheTargetLacksAreNamedWithTheirObjects() {
        var catalog = CatalogSamples.queen
        catalog.functions[0].sqlStandardBody = true
        catalog.sequences[0].unlogged = true
        catalog.indexes[0].definition += " NULLS NOT DISTINCT"
        let on13 = FeatureCheck.unsupported(in: catalog, targetVersion: 130_010)
        #expect(on13.map(\.since) == [14, 15, 15])
        #expect(on13[0].description.contains("queen.touch"))
        #expect(FeatureCheck.unsupported(in: catalog, targetVersion: 150_000).isEmpty)
    }
}

@Suite struct PrivilegeTests {
    @Test func maintainIsLeftOutForAnOlderTargetAndGrantsToOthersAreNamed() throws {
        var catalog = CatalogSamples.queen
        catalog.serverVersion = 170_002
        let table = catalog.tables[0].name
        catalog.tables[0].ownership = Ownership(owner: "queen", grants: [
            Grant(grantee: "queen", privilege: "MAINTAIN", grantable: false), Grant(grantee: "queen", privilege: "SELECT", grantable: false),
            Grant(grantee: "ops", privilege: "MAINTAIN", grantable: false),
        ], hasExplicitACL: true)
        let options = { (version: Int) in PlanOptions(includeOwnership: true, targetServerVersion: version) }
        let on16 = try MigrationPlan(catalog: catalog, options: options(160_004))
        let grants = on16.ddl.privileges.map(\.sql).filter { $0.hasPrefix("GRANT") }
        #expect(grants == ["GRANT SELECT ON TABLE \(table.sql) TO queen;"])
        #expect(on16.notes.contains("MAINTAIN on \(table) to ops is not granted on the target: PostgreSQL 16 has no MAINTAIN privilege"))
        let on17 = try MigrationPlan(catalog: catalog, options: options(170_000))
        #expect(on17.ddl.privileges.filter { $0.sql.contains("MAINTAIN") }.count == 2)
        #expect(on17.privilegeNotes.isEmpty)
    }
}

@Suite struct SlicingTests {
    func plan(jobs: Int, version: Int = 150_000, minimum: Int64 = 500) throws -> MigrationPlan {
        var catalog = CatalogSamples.queen
        catalog.serverVersion = version
        for index in catalog.tables.indices { catalog.tables[index].heapBlocks = catalog.tables[index].bytes / 8 }
        return try MigrationPlan(catalog: catalog, options: PlanOptions(targetServerVersion: version, jobs: jobs,
                                                                         sliceMinimumBytes: minimum))
    }

    @Test func aTableLargerThanItsShareIsCutIntoBlockRanges() throws {
        let tasks = try plan(jobs: 2).copyTasks
        let slices = tasks.filter { $0.table == CatalogSamples.messages }
        #expect(slices.map(\.slice?.index) == [0, 1])
        #expect(slices[0].copyOutSQL.contains("WHERE ctid >= '(0,0)'::pg_catalog.tid AND ctid < '(62,0)'::pg_catalog.tid"))
        #expect(slices[1].copyOutSQL.hasSuffix("WHERE ctid >= '(62,0)'::pg_catalog.tid) TO STDOUT"))
        #expect(!slices[0].copyInSQL(freeze: true).contains("FREEZE"), "slices load side by side: no FREEZE")
        #expect(tasks.filter { $0.table == CatalogSamples.queues }.count == 1)
        #expect(tasks.count == 5)
    }

    @Test func noSlicesForOneJobSmallTablesOrOldSources() throws {
        #expect(try plan(jobs: 1).copyTasks.count == 4)
        #expect(try plan(jobs: 2, minimum: 10_000).copyTasks.count == 4)
        #expect(try plan(jobs: 2, version: 130_000).copyTasks.count == 4)
    }
}
