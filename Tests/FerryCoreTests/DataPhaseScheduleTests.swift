@testable import FerryCore
import Testing

@Suite struct DataPhaseScheduleTests {
    static let big = QualifiedName("s", "big"), small = QualifiedName("s", "small"), bare = QualifiedName("s", "bare")

    static func task(_ table: QualifiedName, bytes: Int64, slice: Int? = nil) -> TableTask {
        var task = TableTask(table: table, columns: ["id"], format: .binary, copiesData: true, bytes: bytes, estimatedRows: 1)
        task.slice = slice.map { TableSlice(index: $0, count: 2, fromBlock: Int64($0) * 10, toBlock: $0 == 0 ? 10 : nil) }
        return task
    }

    static func builds(_ table: QualifiedName, _ count: Int) -> TableIndexing {
        TableIndexing(builds: (0..<count).map { [DDLStatement("CREATE INDEX i\($0) ON \(table.sql) (id);", object: "INDEX i\($0)")] })
    }

    @Test func aLandedTablesIndexesAreReadyBeforeTheNextCopyAndItsFinishComesLast() {
        var schedule = DataPhaseSchedule(copyTasks: [Self.task(Self.big, bytes: 100), Self.task(Self.small, bytes: 1)],
                                         indexing: [Self.big: Self.builds(Self.big, 2)])
        let first = schedule.next()
        #expect(first == .copy(Self.task(Self.big, bytes: 100)))
        let landed = schedule.finished(first!)
        #expect(landed, "the only copy of its table landed it")
        guard case .buildIndex(Self.big, _)? = schedule.next(), case .buildIndex(Self.big, _)? = schedule.next() else {
            Issue.record("both index builds of the landed table come before the next copy")
            return
        }
        #expect(schedule.next() == .copy(Self.task(Self.small, bytes: 1)), "two workers build, a third copies")
        #expect(schedule.next() == nil && !schedule.isComplete)
    }

    @Test func twoWorkersBuildOneTablesIndexesSideBySideThenFinishIt() {
        var schedule = DataPhaseSchedule(copyTasks: [Self.task(Self.big, bytes: 100)], indexing: [Self.big: Self.builds(Self.big, 3)])
        schedule.finished(schedule.next()!)
        let a = schedule.next()!, b = schedule.next()!
        schedule.finished(a)
        let c = schedule.next()!
        #expect(schedule.next() == nil, "the finish waits for every build")
        schedule.finished(b)
        schedule.finished(c)
        #expect(schedule.next() == .finish(Self.big))
        #expect(!schedule.isComplete)
        schedule.finished(.finish(Self.big))
        #expect(schedule.isComplete && schedule.next() == nil)
    }

    @Test func slicesLandTheirTableOnlyWithTheLastOne() {
        let slices = [Self.task(Self.big, bytes: 50, slice: 0), Self.task(Self.big, bytes: 50, slice: 1)]
        var schedule = DataPhaseSchedule(copyTasks: slices + [Self.task(Self.bare, bytes: 1)], indexing: [:])
        let first = schedule.next()!, second = schedule.next()!
        let secondLanded = schedule.finished(second)
        #expect(!secondLanded)
        #expect(schedule.next() == .copy(Self.task(Self.bare, bytes: 1)), "nothing of big is ready yet")
        let firstLanded = schedule.finished(first)
        #expect(firstLanded)
        #expect(schedule.next() == .finish(Self.big), "no indexes: straight to its keys and ANALYZE")
    }

    @Test func smallTablesGoInGroupsAfterTheLargeOnesAndASlicedTableNeverJoinsOne() {
        let small = (1...5).map { Self.task(QualifiedName("s", "t\($0)"), bytes: 10) }
        let slices = [Self.task(Self.big, bytes: 5, slice: 0), Self.task(Self.big, bytes: 5, slice: 1)]
        var schedule = DataPhaseSchedule(copyTasks: [Self.task(Self.bare, bytes: 1000)] + slices + small,
                                         indexing: [Self.bare: Self.builds(Self.bare, 1)],
                                         smallTables: .init(maxBytes: 100, tablesPerGroup: 2, bytesPerGroup: 1000))
        var jobs: [DataPhaseSchedule.Job] = []
        while let job = schedule.next() { jobs.append(job) }
        #expect(jobs == [.copy(Self.task(Self.bare, bytes: 1000))] + slices.map(DataPhaseSchedule.Job.copy)
            + [.copyGroup(Array(small[0..<2])), .copyGroup(Array(small[2..<4])), .copyGroup([small[4]])],
                "a lone small table is a group too: it may have to create its table")
        for job in jobs.dropFirst() { schedule.finished(job) }
        var finishes: [DataPhaseSchedule.Job] = []
        while let job = schedule.next() { finishes.append(job) }
        #expect(finishes == [.finish(Self.big)], "the keys of the sliced table, nothing for the grouped ones")
        for job in finishes { schedule.finished(job) }
        #expect(schedule.next() == nil && !schedule.isComplete, "the large table's index build is still to come")
        schedule.finished(jobs[0])
        guard case .buildIndex(Self.bare, _)? = schedule.next() else {
            Issue.record("a grouped table's finish must not hold back the large table's index")
            return
        }
    }

    @Test func aGroupClosesAtItsByteBudget() {
        let tasks = (1...3).map { Self.task(QualifiedName("s", "t\($0)"), bytes: 60) }
        let jobs = DataPhaseSchedule.jobs(tasks, smallTables: .init(maxBytes: 100, tablesPerGroup: 10, bytesPerGroup: 150))
        #expect(jobs == [.copyGroup(Array(tasks[0..<2])), .copyGroup([tasks[2]])])
    }

    @Test func groupsShrinkSoThatEveryJobsGroupFitsInTheTargetsLockTable() {
        let small = DataPhaseSchedule.SmallTables()
        let roomy = LockTableBudget(maxLocksPerTransaction: 64, maxConnections: 100, maxPreparedTransactions: 0)
        #expect(small.fitting(roomy, jobs: 2).tablesPerGroup == 50, "the default lock table holds two groups of 50")
        let tight = LockTableBudget(maxLocksPerTransaction: 10, maxConnections: 30, maxPreparedTransactions: 0)
        // (300 - 100 headroom) / 2 jobs / 12 locks a table
        #expect(small.fitting(tight, jobs: 2).tablesPerGroup == 8)
        let tiny = LockTableBudget(maxLocksPerTransaction: 1, maxConnections: 10, maxPreparedTransactions: 0)
        #expect(small.fitting(tiny, jobs: 4).tablesPerGroup == 1, "never less than one table")
    }
}
