/// One table's row counts (and optional checksums) on both sides.
public struct TableValidation: Sendable, Codable, Equatable {
    public var table: String
    public var sourceCount: Int64
    /// -1 when the table is missing on the target or could not be counted.
    public var targetCount: Int64
    public var match: Bool
    /// The table's data was excluded from the migration: counts are not compared.
    public var skipped: Bool
    public var sourceChecksum: String?
    public var targetChecksum: String?
}

public struct ValidationReport: Sendable, Codable, Equatable {
    public var allMatch: Bool
    public var tables: [TableValidation]
    /// Only when large objects are compared.
    public var largeObjects: LargeObjectValidation?
}

/// Compares every table of the schemas, source against target.
public struct Validator: Sendable {
    public var source: ConnectionConfiguration
    public var target: ConnectionConfiguration
    public var schemas: [String]
    /// Tables whose data was excluded (`name` or `schema.name`): reported as skipped.
    public var excludedTables: [String]
    /// Names `excludedTables` may hold although the schema has no such table (as `MigrationRequest.toleratedExclusions`).
    public var toleratedExclusions: [String]
    /// Also compare an md5 over each table's rows (slower: reads every row on both sides).
    public var checksums: Bool
    /// The longest one table's count (or checksum) may run on either side; zero: no limit.
    public var statementTimeout: Duration
    /// Also compare the database's large objects (those a run with `largeObjects` copies).
    public var largeObjects: Bool

    public init(source: ConnectionConfiguration, target: ConnectionConfiguration, schemas: [String],
                excludedTables: [String] = [], toleratedExclusions: [String] = [], checksums: Bool = false,
                statementTimeout: Duration = Validator.defaultStatementTimeout, largeObjects: Bool = false) {
        self.source = source
        self.target = target
        self.schemas = schemas
        self.excludedTables = excludedTables
        self.toleratedExclusions = toleratedExclusions
        self.checksums = checksums
        self.statementTimeout = statementTimeout
        self.largeObjects = largeObjects
    }

    /// Ten minutes: a checksum reads the whole table, but validation must not hang on a stuck server.
    public static let defaultStatementTimeout = Duration.seconds(600)

    public func validate() async throws -> ValidationReport {
        try await Connections.withSource(source) { sourceConnection, encoding in
            try await Connections.withTarget(target, encoding: encoding) { targetConnection in
                try await compare(source: sourceConnection, target: targetConnection)
            }
        }
    }

    private func compare(source sourceConnection: PGConnection, target targetConnection: PGConnection) async throws -> ValidationReport {
        // Count the source in one snapshot, as the migration read it.
        try await sourceConnection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        let reader = CatalogReader(connection: sourceConnection, schemas: schemas, includeOwnership: false)
        _ = try await reader.readSchemas()
        let tableOIDs = try await reader.relations().filter { $0.kind == "r" || $0.kind == "p" }.map(\.oid)
        let tables = try await reader.readTables(oids: tableOIDs)
        var catalog = SchemaCatalog(serverVersion: sourceConnection.serverVersion, tables: tables)
        catalog.types = try await reader.readTypes()
        let excluded = try MigrationPlan.resolveExclusions(excludedTables, catalog: catalog, tolerating: toleratedExclusions)
        // Partitions loaded through their root (hash on an enum) may change partition on the
        // target: such a tree is compared as a whole, at its root.
        var units: [(name: QualifiedName, only: Bool, skipped: Bool)] = []
        for table in catalog.tables where table.holdsData {
            if let root = MigrationPlan.routingRoot(of: table, catalog: catalog) {
                if !units.contains(where: { $0.name == root }) { units.append((root, false, excluded.contains(table.name))) }
            } else {
                units.append((table.name, true, excluded.contains(table.name)))
            }
        }
        // The limit is for counting and checksumming tables, not for reading the catalog.
        let timeout = "SET statement_timeout = \(SessionSettings.milliseconds(statementTimeout))"
        try await sourceConnection.execute(timeout)
        try await targetConnection.execute(timeout)
        var results: [TableValidation] = []
        for unit in units {
            let relation = (unit.only ? "ONLY " : "") + unit.name.sql
            let checksum = checksums && !unit.skipped
            // Both sides at once: each reads the whole table (a cutover waits on this).
            async let sourceMeasure = measure(unit.name, relation, on: sourceConnection, .source, checksum: checksum)
            let targetSide = try await measure(unit.name, relation, on: targetConnection, .target, checksum: checksum)
            let sourceSide = try await sourceMeasure
            let matches = targetSide.map { $0 == sourceSide } ?? false
            results.append(TableValidation(
                table: unit.name.description, sourceCount: sourceSide?.count ?? -1, targetCount: targetSide?.count ?? -1,
                match: unit.skipped || matches, skipped: unit.skipped, sourceChecksum: sourceSide?.checksum,
                targetChecksum: targetSide?.checksum))
        }
        let largeObjectResult = largeObjects ? try await LargeObjectValidation.compare(source: sourceConnection, target: targetConnection, checksums: checksums) : nil
        try await sourceConnection.execute("COMMIT")
        return ValidationReport(allMatch: results.allSatisfy(\.match) && largeObjectResult?.match != false, tables: results,
                                largeObjects: largeObjectResult)
    }

    private struct Measure: Equatable {
        var count: Int64
        var checksum: String?
    }

    /// Row count and, if asked, an md5 over the rows' text in sorted order; nil when the table
    /// is missing on that side.
    private func measure(_ table: QualifiedName, _ relation: String, on connection: PGConnection, _ side: FerryError.Side,
                         checksum: Bool) async throws -> Measure? {
        let sql = checksum
            ? """
              SELECT count(*) AS count, coalesce(pg_catalog.md5(pg_catalog.string_agg(h, '' ORDER BY h)), '') AS checksum
              FROM (SELECT pg_catalog.md5(t::text) AS h FROM \(relation) t) rows
              """
            : "SELECT count(*) AS count, NULL AS checksum FROM \(relation)"
        do {
            let row = try await connection.query(PGQuery(unescaped: sql)).rows[0]
            return try Measure(count: row.int64("count"), checksum: row.optionalString("checksum"))
        } catch let error as PGError where side == .target && ["42P01", "3F000"].contains(error.sqlState) {
            return nil  // undefined table or schema: reported as a mismatch
        } catch let error as PGError where error.isCancellation && !Task.isCancelled {
            throw FerryError("table \(table) (\(side.rawValue)): \(checksum ? "checksumming" : "counting") it took longer than "
                + "the statement timeout (\(statementTimeout)); raise it (--statement-timeout SECONDS, 0 for none)",
                sqlState: error.sqlState)
        } catch {
            throw FerryError.table(table, side, error)
        }
    }
}
