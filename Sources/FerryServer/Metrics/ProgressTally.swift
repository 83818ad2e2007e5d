import Ferry

/// Turns successive looks at the controller's progress into counter increments. A run's counts
/// start from zero; Prometheus counters must only go up whatever happens to runs, so each look
/// adds what grew since the previous look at the same run, and a new run counts from zero again.
struct ProgressTally: Equatable {
    struct Counts: Equatable {
        var copyRows: Int64 = 0
        var copyBytes: Int64 = 0
        var followTransactions: Int64 = 0
        var followRows: Int64 = 0

        init() {}

        init(_ progress: MigrationProgress) {
            copyRows = progress.totalRows
            copyBytes = progress.totalBytes
            followTransactions = progress.follow?.transactionsApplied ?? 0
            followRows = progress.follow?.rowsApplied ?? 0
        }

        /// Each count's growth from `earlier`, never negative.
        func growth(since earlier: Counts) -> Counts {
            var growth = Counts()
            growth.copyRows = max(0, copyRows - earlier.copyRows)
            growth.copyBytes = max(0, copyBytes - earlier.copyBytes)
            growth.followTransactions = max(0, followTransactions - earlier.followTransactions)
            growth.followRows = max(0, followRows - earlier.followRows)
            return growth
        }

        /// The larger of each count, so a count that dips and recovers is not counted twice.
        func highest(with other: Counts) -> Counts {
            var highest = self
            highest.copyRows = max(copyRows, other.copyRows)
            highest.copyBytes = max(copyBytes, other.copyBytes)
            highest.followTransactions = max(followTransactions, other.followTransactions)
            highest.followRows = max(followRows, other.followRows)
            return highest
        }
    }

    struct Step: Equatable {
        var added: Counts
        /// The run's final status, the first time it is seen ended.
        var ended: RunStatus?
    }

    /// The run number last looked at (0: none started).
    private(set) var run = 0
    private var counted = Counts()
    private var endCounted = false

    /// What `progress`, of run number `run` (`MigrationController.numberedStatus`), adds to the
    /// counters since the last look.
    mutating func advance(run: Int, _ progress: MigrationProgress) -> Step {
        if run != self.run {
            self.run = run
            counted = Counts()
            endCounted = false
        }
        let now = Counts(progress)
        let added = now.growth(since: counted)
        counted = counted.highest(with: now)
        var ended: RunStatus? = nil
        if !endCounted, progress.status == .complete || progress.status == .error {
            ended = progress.status
            endCounted = true
        }
        return Step(added: added, ended: ended)
    }
}
