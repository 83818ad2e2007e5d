import Logging

/// What each loaded table gets once its keys are built: ANALYZE, the source's planner statistics
/// (PostgreSQL 18+ targets), or nothing.
struct TargetStatistics: Sendable {
    let mode: StatisticsMode
    /// Tables whose data was copied: the only ones with statistics to set.
    let tables: Set<QualifiedName>
    /// For `copy`: per table, the restore calls of the table and of its indexes.
    let restores: [QualifiedName: [DDLStatement]]

    /// Reads the source's statistics in the snapshot when the mode is `copy`.
    static func prepare(_ mode: StatisticsMode, plan: MigrationPlan, catalog: SchemaCatalog, snapshot: SourceSnapshot,
                        targetVersion: Int) async throws -> TargetStatistics {
        var tables = Set(plan.copiedTables.map(\.table))
        // ANALYZE covers the loaded tables (a partitioned one would sample its partitions again).
        guard mode == .copy else { return TargetStatistics(mode: mode, tables: tables, restores: [:]) }
        // A partitioned table's statistics describe its partitions': copied when all of them were.
        for table in catalog.tables where !table.holdsData {
            let leaves = plan.tables.filter { catalog.isPartition($0.table, of: table.name) }
            if !leaves.isEmpty && leaves.allSatisfy(\.copiesData) { tables.insert(table.name) }
        }
        guard targetVersion >= 180000 else {
            throw FerryError("statistics copy needs a PostgreSQL 18 or newer target (pg_restore_relation_stats); the target "
                + "runs \(targetVersion / 10000): use analyze or none")
        }
        var restores: [QualifiedName: [DDLStatement]] = [:]
        for relation in try await snapshot.plannerStatistics(schemas: plan.schemas) where tables.contains(relation.table) {
            restores[relation.table, default: []] += relation.restoreStatements(sourceVersion: catalog.serverVersion)
        }
        return TargetStatistics(mode: mode, tables: tables, restores: restores)
    }

    /// `ANALYZE table` when that is all `apply` would do, to send with other statements; nil otherwise.
    func analyzeStatement(for table: QualifiedName) -> DDLStatement? {
        mode == .analyze && tables.contains(table) ? DDLStatement("ANALYZE \(table.sql)", object: "statistics of \(table)") : nil
    }

    /// Sets `table`'s statistics on the target. A restore the target rejects in part (it warns
    /// and returns false) falls back to ANALYZE, so no table is left half-described.
    func apply(to table: QualifiedName, on target: PGConnection, logger: Logger) async throws {
        guard tables.contains(table) else { return }
        switch mode {
        case .none:
            return
        case .analyze:
            try await target.execute("ANALYZE \(table.sql)")
        case .copy:
            // One round trip for the table's and its columns' and indexes' restore calls.
            let statements = restores[table] ?? []
            let results: [QueryResult]
            do {
                results = try await target.pipeline(statements.map { PipelinedStatement(sql: $0.sql) })
            } catch {
                throw FerryError("restoring the planner statistics of \(table) on the target failed: \(error)",
                                 sqlState: (error as? PGError)?.sqlState)
            }
            if try results.contains(where: { try !$0.rows[0].bool("restored") }) {
                logger.warning("statistics of \(table) not fully restored: analyzing it instead")
                try await target.execute("ANALYZE \(table.sql)")
            }
        }
    }
}

extension SchemaCatalog {
    /// Whether `table` is a partition of `ancestor`, at any depth.
    func isPartition(_ table: QualifiedName, of ancestor: QualifiedName) -> Bool {
        var current = self.table(table)?.partitionOf
        var depth = 0
        while let parent = current, depth < 100 {
            if parent == ancestor { return true }
            current = self.table(parent)?.partitionOf
            depth += 1
        }
        return false
    }
}
