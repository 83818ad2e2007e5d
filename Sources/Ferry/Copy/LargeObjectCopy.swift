/// Copies the source database's large objects, in OID order, each in chunks: `lo_get` on a source
/// worker in the run's snapshot, `lo_put` on the target. Memory holds one chunk (as hex text).
/// Each object keeps its OID (tables refer to large objects by OID), replacing one the target
/// already has, as `pg_restore --clean` does; comments always, owners and grants when asked.
struct LargeObjectCopy {
    let source: PGConnection
    let target: PGConnection
    let includeOwnership: Bool
    /// Bytes read per `lo_get`.
    var chunkSize = 1 << 20
    /// Large objects per target transaction.
    var batchSize = 100

    /// - Parameter copied: called after each batch with the objects and bytes copied so far.
    /// - Returns: the number of large objects copied.
    func run(copied: (Int, Int64) -> Void = { _, _ in }) async throws -> Int {
        let reader = CatalogReader(connection: source, schemas: [], includeOwnership: includeOwnership)
        let renderer = DDLRenderer(options: .init(includeOwnership: includeOwnership))
        var count = 0
        var bytes: Int64 = 0
        var after: UInt32 = 0
        while true {
            let batch = try await reader.readLargeObjects(after: after, limit: batchSize)
            guard let last = batch.last else { return count }
            try await target.execute("BEGIN")
            for object in batch {
                bytes += try await copyData(of: object.oid)
                try await Migration.run(renderer.largeObjectMetadata(object), on: target)
            }
            try await target.execute("COMMIT")
            count += batch.count
            after = last.oid
            copied(count, bytes)
        }
    }

    /// Recreates one large object on the target with the source's bytes; returns their number.
    private func copyData(of oid: UInt32) async throws -> Int64 {
        try await on(.target, oid) {
            _ = try await target.query("""
                SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = \(oid)
                """)
            _ = try await target.query("SELECT pg_catalog.lo_create(\(oid))")
        }
        var offset: Int64 = 0
        while true {
            let chunk = try await on(.source, oid) {
                let row = try await source.query("""
                    SELECT d AS data, pg_catalog.octet_length(d) AS length
                    FROM pg_catalog.lo_get(\(oid), \(offset), \(chunkSize)::integer) d
                    """).rows[0]
                return (hex: try row.string("data"), length: try row.int64("length"))
            }
            if chunk.length == 0 { return offset }
            try await on(.target, oid) {
                // The bytea text the source printed is bytea input the target reads back.
                _ = try await target.query("SELECT pg_catalog.lo_put(\(oid), \(offset), \(chunk.hex)::bytea)")
            }
            offset += chunk.length
            if chunk.length < chunkSize { return offset }
        }
    }

    /// Runs `body`, naming the large object and the side in its error.
    private func on<T>(_ side: FerryError.Side, _ oid: UInt32, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw FerryError("large object \(oid) (\(side.rawValue)): \(error)", sqlState: (error as? PGError)?.sqlState)
        }
    }
}
