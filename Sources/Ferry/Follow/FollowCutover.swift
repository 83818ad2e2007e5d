import Logging

/// What cutover does once every change up to the end position is applied: sequences (not
/// decoded by logical replication) from the source's current values, then a compare of row
/// counts, and of checksums when asked.
enum FollowCutover {
    /// Sets each sequence of `schemas` on the target to the source's value now, as post-data's
    /// `setval` does for the snapshot's.
    static func copySequences(_ request: MigrationRequest) async throws -> Int {
        return try await Connections.withSource(request.source) { source, encoding in
            return try await Connections.withTarget(request.target, encoding: encoding) { target in
                let sequences = try await source.query("""
                    SELECT schemaname::text AS schema, sequencename::text AS name FROM pg_catalog.pg_sequences
                    WHERE schemaname = ANY(\(request.schemas)) ORDER BY 1, 2
                    """).rows.map {
                    QualifiedName(try $0.string("schema"), try $0.string("name"))
                }
                for sequence in sequences {
                    let state = try await source.query("SELECT last_value::text AS value, is_called FROM \(unescaped: sequence.sql)").rows[0]
                    _ = try await target.query("SELECT pg_catalog.setval(\(sequence.sql)::regclass, \(try state.string("value"))::bigint, \(try state.bool("is_called")))")
                }
                return sequences.count
            }
        }
    }

    /// Refreshes on the target the materialized views the source had populated (`refresh`: the
    /// plan's statements, in dependency order): a REFRESH on the source is not in the stream. The
    /// target serves no one yet, so a plain REFRESH (no CONCURRENTLY, no unique index needed).
    static func refreshMaterializedViews(_ request: MigrationRequest, _ refresh: [DDLStatement], recorder: ProgressRecorder,
                                         logger: Logger) async throws {
        guard !refresh.isEmpty else { return }
        let started = ContinuousClock.now
        try await Connections.withTarget(request.target, encoding: "UTF8") { target in
            for statement in refresh {
                do { try await target.execute(statement.sql) } catch {
                    throw FerryError("cutover: refreshing \(statement.object) on the target failed: \(error)")
                }
            }
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        recorder.update {
            $0.follow?.materializedViewsRefreshed = refresh.count
            $0.follow?.materializedViewRefreshSeconds = seconds
        }
        logger.info("follow: materialized views refreshed", metadata: ["views": "\(refresh.count)", "seconds": "\(seconds)"])
    }

    /// Fails naming the tables whose row counts (and, with `cutoverChecksums`, checksums over
    /// their rows) differ between source and target.
    static func compareTables(_ request: MigrationRequest) async throws -> ValidationReport {
        let report = try await Validator(source: request.source, target: request.target, schemas: request.schemas,
                                         excludedTables: request.excludeTableData, toleratedExclusions: request.toleratedExclusions,
                                         checksums: request.cutoverChecksums).validate()
        let differing = report.tables.filter { !$0.match && !$0.skipped }
        guard differing.isEmpty else {
            throw FerryError("cutover: \(request.cutoverChecksums ? "tables" : "row counts") differ after applying up to the end position: "
                + differing.map(Self.difference).joined(separator: ", ")
                + "; the source took writes after the end position, or the target was written to")
        }
        return report
    }

    private static func difference(_ table: TableValidation) -> String {
        table.sourceCount == table.targetCount
            ? "\(table.table) (checksums differ, \(table.sourceCount) rows on both sides)"
            : "\(table.table) (source \(table.sourceCount), target \(table.targetCount))"
    }

    /// DDL is not decoded: a column added, dropped or retyped on the source while following
    /// would leave the target behind without a word. Fails naming the differences.
    static func compareColumns(_ request: MigrationRequest) async throws {
        let sql: PGQuery = """
            SELECT pg_catalog.format('%s.%s %s %s', n.nspname, c.relname, a.attname,
                                     pg_catalog.format_type(a.atttypid, a.atttypmod)) AS column
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = ANY(\(request.schemas)) AND c.relkind IN ('r', 'p')
            """
        let (sourceColumns, encoding) = try await Connections.withSource(request.source) { source, encoding in
            (Set(try await source.query(sql).rows.map { try $0.string("column") }), encoding)
        }
        let targetColumns = try await Connections.withTarget(request.target, encoding: encoding) { target in
            Set(try await target.query(sql).rows.map { try $0.string("column") })
        }
        guard sourceColumns == targetColumns else {
            let differences = sourceColumns.subtracting(targetColumns).sorted().map { "source has \($0)" }
                + targetColumns.subtracting(sourceColumns).sorted().map { "target has \($0)" }
            throw FerryError("cutover: the tables' columns changed on the source while following (DDL is not replicated): "
                + differences.prefix(20).joined(separator: "; ")
                + "; make the same change on the target and run the same command again to resume")
        }
    }

    /// Drops the target's replication origin of the run, once its slot is gone.
    static func dropOrigin(_ request: MigrationRequest, _ origin: String) async throws {
        _ = try await Connections.with(request.target, side: .target) { try await ReplicationCleanup.dropOrigin(origin, on: $0) }
    }
}

/// Times the parts of the cutover window as each ends (`CutoverWindow`).
struct CutoverClock {
    private var last: ContinuousClock.Instant
    private(set) var window = CutoverWindow()

    /// From the cutover request: its first part is the rest of the apply, the changes up to the
    /// end position; without one (an end LSN given), from now.
    init(since requested: ContinuousClock.Instant?) {
        last = requested ?? .now
        if requested != nil { lap("changes applied") }
    }

    mutating func time<T>(_ part: String, _ body: () async throws -> T) async rethrows -> T {
        let result = try await body()
        lap(part)
        return result
    }

    private mutating func lap(_ part: String) {
        let now = ContinuousClock.now
        let elapsed = (now - last).components
        window.parts.append(CutoverWindow.Part(name: part, seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18))
        last = now
    }
}
