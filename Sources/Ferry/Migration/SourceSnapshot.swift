import Synchronization

/// The source side of a run: one connection holds a `REPEATABLE READ` transaction with ACCESS
/// SHARE locks on every table and exports its snapshot; the catalog is read inside it and every
/// table worker imports it, so DDL and all tables' rows come from one instant.
struct SourceSnapshot: Sendable {
    let holder: PGConnection
    let configuration: ConnectionConfiguration
    let snapshotID: String
    let encoding: String
    let identity: DatabaseIdentity
    private let readCatalog: CatalogHolder

    /// The catalog read in the snapshot, until `releaseCatalog()`.
    var catalog: SchemaCatalog {
        guard let catalog = readCatalog.catalog.withLock({ $0 }) else { preconditionFailure("the catalog was released") }
        return catalog
    }

    /// Drops the catalog: a run that has made its plan needs little of it, and at thousands of
    /// tables it holds megabytes until the run ends.
    func releaseCatalog() {
        readCatalog.catalog.withLock { $0 = nil }
    }

    private final class CatalogHolder: Sendable {
        let catalog: Mutex<SchemaCatalog?>

        init(_ catalog: SchemaCatalog) {
            self.catalog = Mutex(catalog)
        }
    }

    /// Runs `body` with the snapshot open; it is released (with its locks) when `body` ends, or
    /// earlier with `close()`.
    /// - Parameter imported: a snapshot exported elsewhere (a replication slot's) to read in
    ///   instead of exporting one.
    static func with<T>(_ configuration: ConnectionConfiguration, schemas: [String], includeOwnership: Bool,
                        wholeDatabase: Bool = false, importing imported: String? = nil, _ body: (SourceSnapshot) async throws -> T) async throws -> T {
        try await Connections.withSource(configuration) { holder, encoding in
            let identity = try await Connections.databaseIdentity(holder)
            try await holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if let imported { try await holder.execute("SET TRANSACTION SNAPSHOT \(SQL.literal(imported))") }
            let reader = CatalogReader(connection: holder, schemas: schemas, includeOwnership: includeOwnership,
                                       wholeDatabase: wholeDatabase)
            let relations = try await reader.relations()
            // Lock the tables before deparsing, as pg_dump does: pg_get_*def read live catalogs,
            // the locks keep them equal to the snapshot.
            let tables = relations.filter { $0.kind == "r" || $0.kind == "p" }
            if let refusal = try await LockTableCheck.refusal(
                locks: tables.count, on: holder, side: .source,
                what: "its snapshot transaction locks every table of the schema (\(tables.count)), as pg_dump does") {
                throw FerryError(refusal)
            }
            for batch in stride(from: 0, to: tables.count, by: 500) {
                let names = tables[batch..<min(batch + 500, tables.count)].map(\.name.sql).joined(separator: ", ")
                try await holder.execute("LOCK TABLE \(names) IN ACCESS SHARE MODE")
            }
            // An imported snapshot stays importable by the workers as long as its exporter
            // (the idle replication connection) waits.
            let snapshotID = if let imported { imported } else {
                try await holder.query("SELECT pg_catalog.pg_export_snapshot() AS id").rows[0].string("id")
            }
            let catalog = try await reader.read(relations)
            // What the reads' results took is free again: handed back before the plan is made.
            ProcessHeap.releaseFreedMemory()
            return try await body(SourceSnapshot(holder: holder, configuration: configuration, snapshotID: snapshotID,
                                                 encoding: encoding, identity: identity, readCatalog: CatalogHolder(catalog)))
        }
    }

    /// The planner statistics of the schemas, as of the snapshot (read on the holder, only when
    /// the run restores them).
    func plannerStatistics(schemas: [String]) async throws -> [RelationStatistics] {
        try await CatalogReader(connection: holder, schemas: schemas, includeOwnership: false).readPlannerStatistics()
    }

    /// Runs `body` on a new source connection reading in the exported snapshot, closed afterwards.
    func withWorker<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        return try await Connections.withSource(configuration, encoding: encoding) { connection, _ in
            try await connection.execute(
                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT \(SQL.literal(snapshotID))")
            return try await body(connection)
        }
    }

    /// Ends the snapshot's transaction and closes its connection before the scope ends; a second
    /// call does nothing.
    func close() async {
        await holder.close()
    }
}
