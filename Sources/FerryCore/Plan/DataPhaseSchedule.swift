import DequeModule

/// The order of the data phase's work, without I/O (`Ferry` runs the jobs on its workers).
///
/// Copies go largest first. Once all of a table's data has landed (every slice), each of its
/// index builds becomes a job for any free worker, so one large table's indexes are built side
/// by side instead of one after another at the end of the run (pgcopydb's `--index-jobs`); when
/// the last build is done, one job adds the keys that use them and analyzes the table. Ready
/// jobs go before new copies, a table's finishing job first, so tables complete early.
///
/// Small tables (`SmallTables`) are not worth a job each: what they cost is round trips and a
/// transaction per copy, index, key and ANALYZE, not data. They go in groups, each one job that
/// creates (`SchemaDDL.tableCreation`), copies, indexes, keys and analyzes its tables in one
/// target transaction.
public struct DataPhaseSchedule: Sendable {
    public enum Job: Sendable, Equatable {
        case copy(TableTask)
        case buildIndex(QualifiedName, [DDLStatement])
        /// `TableIndexing.then`, then ANALYZE.
        case finish(QualifiedName)
        /// Small tables done from start to end, one after another, in one target transaction.
        case copyGroup([TableTask])
    }

    /// Which tables go in groups, and how large a group gets.
    public struct SmallTables: Sendable, Equatable {
        /// A table that loads alone (`TableTask.loadsAlone`) with at most this many bytes on the source.
        public var maxBytes: Int64
        public var tablesPerGroup: Int
        public var bytesPerGroup: Int64

        public init(maxBytes: Int64 = 1 << 20, tablesPerGroup: Int = 50, bytesPerGroup: Int64 = 16 << 20) {
            self.maxBytes = maxBytes
            self.tablesPerGroup = tablesPerGroup
            self.bytesPerGroup = bytesPerGroup
        }

        /// Whether `task` goes in a group: a whole table of at most `maxBytes` whose rows are copied.
        public func takes(_ task: TableTask) -> Bool {
            task.loadsAlone && task.copiesData && task.bytes <= maxBytes
        }

        /// At most as many tables a group as `jobs` groups at once can create, load, index and
        /// analyze within the target's lock table (`LockTableBudget.locksPerGroupedTable`).
        public func fitting(_ budget: LockTableBudget, jobs: Int) -> SmallTables {
            var fitting = self
            let perGroup = (budget.capacity - LockTableBudget.headroom) / max(1, jobs)
            fitting.tablesPerGroup = max(1, min(tablesPerGroup, perGroup / LockTableBudget.locksPerGroupedTable))
            return fitting
        }
    }

    private var copies: Deque<Job>
    private var ready: Deque<Job> = []
    private var slicesLeft: [QualifiedName: Int]
    private var buildsLeft: [QualifiedName: Int] = [:]
    private let indexing: [QualifiedName: TableIndexing]
    private var running = 0

    public init(copyTasks: [TableTask], indexing: [QualifiedName: TableIndexing], smallTables: SmallTables? = nil) {
        copies = Deque(Self.jobs(copyTasks, smallTables: smallTables))
        slicesLeft = Dictionary(copyTasks.map { ($0.table, 1) }, uniquingKeysWith: +)
        self.indexing = indexing
    }

    /// The next job to start, or nil when none is ready now (see `isComplete`).
    public mutating func next() -> Job? {
        guard let job = ready.popFirst() ?? copies.popFirst() else { return nil }
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
        case .finish, .copyGroup:
            return false
        }
    }

    /// The copies in order, small tables' in groups of neighbours (copies go largest first, so
    /// the groups come last and hold tables of about one size).
    static func jobs(_ tasks: [TableTask], smallTables: SmallTables?) -> [Job] {
        guard let smallTables else { return tasks.map(Job.copy) }
        var jobs: [Job] = []
        var group: [TableTask] = []
        var groupBytes: Int64 = 0
        func close() {
            if !group.isEmpty { jobs.append(.copyGroup(group)) }
            group = []
            groupBytes = 0
        }
        for task in tasks {
            guard smallTables.takes(task) else {
                jobs.append(.copy(task))
                continue
            }
            if group.count == smallTables.tablesPerGroup || groupBytes + task.bytes > smallTables.bytesPerGroup { close() }
            group.append(task)
            groupBytes += task.bytes
        }
        close()
        return jobs
    }

    /// Every job has run: none ready, queued or running (so none can become ready).
    public var isComplete: Bool { running == 0 && ready.isEmpty && copies.isEmpty }
}
