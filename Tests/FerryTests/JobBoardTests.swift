@testable import Ferry
@testable import FerryCore
import Testing

/// The job board must never leave a worker waiting: it hands out follow-up jobs as they become
/// ready, and ends every wait when the phase completes or a worker gives up after an error.
@Suite struct JobBoardTests {
    static let table = QualifiedName("s", "t")
    static let copy = TableTask(table: table, columns: ["id"], format: .binary, copiesData: true, bytes: 1, estimatedRows: 1)
    static let indexing = TableIndexing(builds: [[DDLStatement("CREATE INDEX a ON s.t (id);", object: "INDEX a")],
                                                 [DDLStatement("CREATE INDEX b ON s.t (id);", object: "INDEX b")]])

    @Test func aWaitingWorkerGetsTheBuildThatTheCopyMadeReady() async {
        let board = JobBoard(DataPhaseSchedule(copyTasks: [Self.copy], indexing: [Self.table: Self.indexing]))
        let first = await board.next()
        #expect(first == .copy(Self.copy))
        async let waiter = board.next()  // nothing ready while the copy runs
        await Task.yield()
        await board.finished(first!)
        guard case .buildIndex? = await waiter else {
            Issue.record("the waiting worker should get one of the two builds")
            return
        }
    }

    @Test func abandoningEndsEveryWait() async {
        let board = JobBoard(DataPhaseSchedule(copyTasks: [Self.copy], indexing: [:]))
        _ = await board.next()
        async let first = board.next()
        async let second = board.next()
        await Task.yield()
        await board.abandon()  // the copy failed: no follow-up will ever come
        let (a, b) = await (first, second)
        #expect(a == nil && b == nil)
        #expect(await board.next() == nil)
    }

    @Test func theLastJobEndsTheWaitsWithNil() async {
        let board = JobBoard(DataPhaseSchedule(copyTasks: [Self.copy], indexing: [:]))
        let copy = await board.next()!
        await board.finished(copy)
        let finish = await board.next()!
        #expect(finish == .finish(Self.table))
        async let waiter = board.next()
        await Task.yield()
        await board.finished(finish)
        #expect(await waiter == nil)
    }
}
