/// Queen MQ's migration contract (queen.md §1): the names and defaults its API and dashboard
/// assume and the engine does not, in one place.
public enum QueenContract {
    /// The schema a request that names none migrates.
    public static let defaultSchema = "queen"

    /// Table names Queen's API accepts in `excludeTableData` (queen.md §1.3), even when the
    /// schema has no such table, as Queen does (`MigrationRequest.toleratedExclusions`).
    public static let excludableTables = [
        "messages", "dead_letter_queue", "message_traces", "message_trace_names", "messages_consumed", "stats",
        "stats_history", "system_metrics", "worker_metrics", "worker_metrics_summary", "queue_lag_metrics",
        "retention_history",
    ]
}
