@testable import FerryCore
import Testing

/// Small tables that nothing in pre-data needs are created by the data phase's groups, on the
/// jobs' connections, instead of one after another in pre-data (issue 18).
@Suite struct TableCreationTests {
    static func name(_ table: String) -> QualifiedName { QualifiedName("s", table) }

    /// `plain` and `serial` (with its sequence) nothing needs; `read` a view reads; `parent`
    /// has an inheritance child, `child`; `root` is partitioned into `part`.
    static var catalog: SchemaCatalog {
        let columns = [Column(name: "id", type: "integer")]
        var catalog = SchemaCatalog(serverVersion: 150_000, schemas: [Schema(name: "s")], tables: [
            Table(oid: 1, name: name("plain"), columns: columns, bytes: 100),
            Table(oid: 2, name: name("serial"), columns: columns, bytes: 100),
            Table(oid: 3, name: name("read"), columns: columns, bytes: 100),
            Table(oid: 4, name: name("parent"), columns: columns, bytes: 100),
            Table(oid: 5, name: name("child"), columns: columns, bytes: 100, inherits: [name("parent")]),
            Table(oid: 6, name: name("root"), kind: .partitioned, columns: columns, partitionKey: "LIST (id)"),
            Table(oid: 7, name: name("part"), columns: columns, bytes: 100, partitionOf: name("root"),
                  partitionBound: "FOR VALUES IN (1)"),
            Table(oid: 8, name: name("large"), columns: columns, bytes: 1 << 30),
        ])
        catalog.sequences = [Sequence(name: name("serial_id_seq"), ownedBy: ColumnReference(table: name("serial"), column: "id"))]
        catalog.views = [View(oid: 9, name: name("reader"), materialized: false, definition: " SELECT id FROM s.read;")]
        catalog.dependencies = [Dependency(object: ObjectKey(.relation, 9), referenced: ObjectKey(.relation, 3)),
                                Dependency(object: ObjectKey(.relation, 5), referenced: ObjectKey(.relation, 4))]
        return catalog
    }

    @Test func onlyOrdinaryTablesNothingNeedsMayBeCreatedLater() {
        #expect(Self.catalog.tablesCreatableLater == [Self.name("plain"), Self.name("serial"), Self.name("large")])
    }

    @Test func aTableCreatedWithItsDataTakesItsSequencesOwnershipAlong() throws {
        let ddl = DDLRenderer(options: .init(tablesCreatedWithData: [Self.name("plain"), Self.name("serial")])).render(Self.catalog)
        let preData = ddl.preData.map(\.sql)
        #expect(!preData.contains { $0.hasPrefix("CREATE TABLE s.plain") || $0.hasPrefix("CREATE TABLE s.serial") })
        #expect(preData.contains { $0.hasPrefix("CREATE SEQUENCE s.serial_id_seq") }, "a sequence stays in pre-data")
        #expect(preData.contains { $0.hasPrefix("CREATE TABLE s.read") } && preData.contains { $0.hasPrefix("CREATE TABLE s.large") })
        #expect(ddl.tableCreation[Self.name("plain")]?.map(\.sql) == ["CREATE TABLE s.plain (\n    id integer\n);"])
        let serial = try #require(ddl.tableCreation[Self.name("serial")]?.map(\.sql))
        #expect(serial.count == 2 && serial[0].hasPrefix("CREATE TABLE s.serial (")
            && serial[1] == "ALTER SEQUENCE s.serial_id_seq OWNED BY s.serial.id;", "after its table")
        #expect(!preData.contains { $0.contains("OWNED BY") })
        let all = ddl.allStatements.map(\.sql)
        #expect(all.contains("ALTER SEQUENCE s.serial_id_seq OWNED BY s.serial.id;"), "the plan still shows every statement")
        #expect(DDLRenderer().render(Self.catalog).tableCreation.isEmpty, "nothing moves unless asked")
    }

    @Test func thePlanCreatesTheSmallTablesWhoseRowsMoveWithTheirData() throws {
        let options = PlanOptions(excludeTableData: ["serial"], targetServerVersion: 150_000, jobs: 2)
        let plan = try MigrationPlan(catalog: Self.catalog, options: options)
        #expect(Set(plan.ddl.tableCreation.keys) == [Self.name("plain")],
                "not `serial`, whose data is excluded, nor `large`, nor what something else needs")
        let jobs = DataPhaseSchedule.jobs(plan.copyTasks, smallTables: plan.smallTables)
        let grouped = jobs.flatMap { job -> [QualifiedName] in
            if case .copyGroup(let tasks) = job { tasks.map(\.table) } else { [] }
        }
        #expect(grouped.contains(Self.name("plain")), "every table the plan leaves to the data phase is in a group")
    }
}
