import DequeModule

/// The order of the data phase's work, without I/O (`Ferry` runs the jobs on its workers).
///
/// Copies go largest first. Once all of a table's data has landed (every slice), each of its
/// index builds becomes a job for any free worker, so one large table's indexes are built side
/// by side instead of one after another at the end of the run (pgcopydb's `--index-jobs`); when
/// the last build is done, one job adds the keys that use them and analyzes the table. Ready
/// jobs go before new copies, a table's finishing job first, so tables complete early.
public struct DataPhaseSchedule: Sendable {
    public enum Job: Sendable, Equatable {
        case copy(TableTask)
        case buildIndex(QualifiedName, [DDLStatement])
        /// `TableIndexing.then`, then ANALYZE.
        case finish(QualifiedName)
    }

    private var copies: Deque<TableTask>
    private var ready: Deque<Job> = []
    private var slicesLeft: [QualifiedName: Int]
    private var buildsLeft: [QualifiedName: Int] = [:]
    private let indexing: [QualifiedName: TableIndexing]
    private var running = 0

    public init(copyTasks: [TableTask], indexing: [QualifiedName: TableIndexing]) {
        copies = Deque(copyTasks)
        slicesLeft = Dictionary(copyTasks.map { ($0.table, 1) }, uniquingKeysWith: +)
        self.indexing = indexing
    }

    /// The next job to start, or nil when none is ready now (see `isComplete`).
    public mutating func next() -> Job? {
        guard let job = ready.popFirst() ?? copies.popFirst().map(Job.copy) else { return nil }
        running += 1
        return job
    }

    /// Records that `job` succeeded and makes its follow-ups ready.
    /// - Returns: true when it was a copy that landed the last of its table's data.
    @discardableResult
    public mutating func finished(_ job: Job) -> Bool {
        running -= 1
        switch job {
        case .copy(let task):
            slicesLeft[task.table, default: 1] -= 1
            guard slicesLeft[task.table] == 0 else { return false }
            let builds = indexing[task.table]?.builds ?? []
            if builds.isEmpty {
                ready.prepend(.finish(task.table))
            } else {
                buildsLeft[task.table] = builds.count
                ready.append(contentsOf: builds.map { .buildIndex(task.table, $0) })
            }
            return true
        case .buildIndex(let table, _):
            buildsLeft[table, default: 1] -= 1
            if buildsLeft[table] == 0 { ready.prepend(.finish(table)) }
            return false
        case .finish:
            return false
        }
    }

    /// Every job has run: none ready, queued or running (so none can become ready).
    public var isComplete: Bool { running == 0 && ready.isEmpty && copies.isEmpty }
}
