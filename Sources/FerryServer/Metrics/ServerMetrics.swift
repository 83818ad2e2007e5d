import Ferry
import Hummingbird
import Prometheus
import Synchronization

/// `GET /metrics`: the migration's counters and gauges in Prometheus' text format, on a registry
/// this server owns (several servers may share a process, as tests do, so nothing goes through
/// the global `MetricsSystem`). They are brought up to date from the controller's progress when
/// scraped, and before a start or reset so that a run's last counts are not lost.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    private let copyRows: Counter
    private let copyBytes: Counter
    private let runsEnded: [RunStatus: Counter]
    private let running: Gauge
    private let status: [RunStatus: Gauge]
    private let elapsed: Gauge
    private let tables: [TableState: Gauge]

    private let followTransactions: Counter
    private let followRows: Counter
    private let followState: [FollowState: Gauge]
    private let lagBytes: Gauge
    private let lagSeconds: Gauge
    private let retainedBytes: Gauge
    private let receivedLSN: Gauge
    private let appliedLSN: Gauge
    private let flushedLSN: Gauge

    private let tally = Mutex(ProgressTally())

    init() {
        let registry = registry
        func counter(_ subsystem: String, _ metric: String, _ help: String, labels: [(String, String)] = []) -> Counter {
            registry.makeCounter(descriptor: .pgferry(subsystem, metric, unit: "total", help), labels: labels)
        }
        func gauge(_ subsystem: String, _ metric: String, unit: String = "", _ help: String,
                   labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(descriptor: .pgferry(subsystem, metric, unit: unit, help), labels: labels)
        }
        /// One gauge per value of a state, labelled with it: 1 for the current state, 0 for the others.
        func stateGauges<State: RawRepresentable<String> & CaseIterable & Hashable>(
            _ subsystem: String, _ metric: String, label: String, _ help: String, _: State.Type
        ) -> [State: Gauge] {
            Dictionary(uniqueKeysWithValues: State.allCases.map { ($0, gauge(subsystem, metric, help, labels: [(label, $0.rawValue)])) })
        }

        copyRows = counter("copy", "rows", "Rows copied by COPY, over every run since the server started.")
        copyBytes = counter("copy", "bytes", "COPY data bytes copied, over every run since the server started.")
        runsEnded = Dictionary(uniqueKeysWithValues: [RunStatus.complete, .error].map {
            ($0, counter("", "migrations", "Migrations that ended, by result (complete or error).", labels: [("result", $0.rawValue)]))
        })
        running = gauge("migration", "running", "1 while a migration runs, else 0.")
        status = stateGauges("migration", "status", label: "status",
                             "1 for the migration's current status (as GET /api/v1/migration/status says it), 0 for the others.",
                             RunStatus.self)
        elapsed = gauge("migration", "elapsed", unit: "seconds", "Seconds the current or last migration has run (frozen at its end).")
        tables = stateGauges("", "tables", label: "state", "Tables of the current or last migration, by state.", TableState.self)

        followTransactions = counter("follow", "transactions_applied", "Source transactions applied on the target in follow mode.")
        followRows = counter("follow", "rows_applied", "Rows inserted, updated or deleted on the target in follow mode.")
        followState = stateGauges("follow", "state", label: "state",
                                  "1 for the follow state of a migration that follows its source, 0 for the others.", FollowState.self)
        lagBytes = gauge("follow", "lag", unit: "bytes", "Bytes of WAL the target is behind the source (0 when no run follows it).")
        lagSeconds = gauge("follow", "lag", unit: "seconds",
                           "Seconds since the last applied transaction committed on the source, while behind (0 once caught up or ended).")
        retainedBytes = gauge("follow", "slot_retained", unit: "bytes",
                              "WAL the run's replication slot keeps on the source's disk (0 once it is dropped).")
        receivedLSN = gauge("follow", "received_lsn", unit: "bytes", "WAL position decoded up to, as a byte number.")
        appliedLSN = gauge("follow", "applied_lsn", unit: "bytes",
                           "WAL position of the end of the last transaction applied on the target, as a byte number.")
        flushedLSN = gauge("follow", "flushed_lsn", unit: "bytes",
                           "WAL position the replication slot was told the target holds, as a byte number.")
    }

    /// Brings every metric up to date with the controller's current run.
    func observe(_ controller: MigrationController) {
        let (run, progress) = controller.numberedStatus
        // Under one lock: two scrapes at once must neither add the same growth twice nor leave
        // the gauges of the older look.
        tally.withLock { tally in
            let step = tally.advance(run: run, progress)
            copyRows.increment(by: step.added.copyRows)
            copyBytes.increment(by: step.added.copyBytes)
            followTransactions.increment(by: step.added.followTransactions)
            followRows.increment(by: step.added.followRows)
            if let ended = step.ended { runsEnded[ended]?.increment() }

            running.set(to: progress.status.isRunning ? 1 : 0)
            for (state, gauge) in status { gauge.set(to: state == progress.status ? 1 : 0) }
            elapsed.set(to: progress.elapsedSeconds)
            for (state, gauge) in tables { gauge.set(to: Double(progress.tables.count { $0.state == state })) }

            let follow = progress.follow
            for (state, gauge) in followState { gauge.set(to: state == follow?.state ? 1 : 0) }
            // An ended run lags nothing (its last figures may count WAL past the final commit).
            let live = progress.status.isRunning && follow?.state != .done ? follow : nil
            lagBytes.set(to: Double(live?.lagBytes ?? 0))
            lagSeconds.set(to: live?.lagSeconds ?? 0)
            retainedBytes.set(to: Double(follow?.retainedBytes ?? 0))
            receivedLSN.set(to: Self.bytes(follow?.receivedLSN))
            appliedLSN.set(to: Self.bytes(follow?.appliedLSN))
            flushedLSN.set(to: Self.bytes(follow?.flushedLSN))
        }
    }

    /// `GET /metrics`: the text exposition, up to date with the controller.
    func response(_ controller: MigrationController) -> Response {
        observe(controller)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    /// An `X/Y` LSN as a byte position (exact below 2^53 bytes, 8 PiB of WAL); 0 when absent.
    private static func bytes(_ lsn: String?) -> Double {
        lsn.flatMap(LSN.init).map { Double($0.rawValue) } ?? 0
    }
}

extension MetricNameDescriptor {
    /// `pgferry_SUBSYSTEM_METRIC_UNIT` (empty parts left out) with its `# HELP` text.
    static func pgferry(_ subsystem: String, _ metric: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "pgferry", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }
}
