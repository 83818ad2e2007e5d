/// The source database's large objects against the same OIDs on the target (the target may
/// hold others of its own).
public struct LargeObjectValidation: Sendable, Codable, Equatable {
    public var sourceCount: Int64
    public var targetCount: Int64
    public var match: Bool
    /// An md5 over the OIDs, and over each object's bytes with checksums.
    public var sourceChecksum: String
    public var targetChecksum: String
}

extension LargeObjectValidation {
    /// Counts the source's large objects and the target's with the same OIDs, with an md5 over
    /// their OIDs (and each one's bytes, with checksums) in OID order.
    static func compare(source: PGConnection, target: PGConnection, checksums: Bool) async throws -> LargeObjectValidation {
        let bytes = checksums ? "pg_catalog.md5(pg_catalog.lo_get(m.oid))" : "''"
        // Over the large objects the filter selects (all on the source, the source's OIDs on the target).
        func measure(_ connection: PGConnection, _ filter: PGQuery) async throws -> QueryResult.Row {
            try await connection.query("""
                SELECT count(*) AS count, pg_catalog.array_agg(m.oid ORDER BY m.oid)::text AS oids,
                       coalesce(pg_catalog.md5(pg_catalog.string_agg(m.oid::text || ':' || \(unescaped: bytes), ',' ORDER BY m.oid)), '') AS checksum
                FROM pg_catalog.pg_largeobject_metadata m \(filter)
                """).rows[0]
        }
        let sourceSide = try await measure(source, "")
        let oids = try sourceSide.optionalString("oids") ?? "{}"
        let targetSide = try await measure(target, "WHERE m.oid = ANY(\(oids)::pg_catalog.oid[])")
        let (sourceChecksum, targetChecksum) = (try sourceSide.string("checksum"), try targetSide.string("checksum"))
        return LargeObjectValidation(sourceCount: try sourceSide.int64("count"), targetCount: try targetSide.int64("count"),
                                     match: sourceChecksum == targetChecksum, sourceChecksum: sourceChecksum,
                                     targetChecksum: targetChecksum)
    }

    /// The same figures as one inventory object per side, for `compare`.
    var inventoryObjects: (source: InventoryObject, target: InventoryObject) {
        let key = InventoryKey(kind: "large objects", identity: "of the database")
        func object(_ count: Int64, _ checksum: String) -> InventoryObject {
            InventoryObject(key: key, description: "the database's large objects (those with the source's OIDs)",
                            facets: ["count": String(count), "checksum": checksum])
        }
        return (object(sourceCount, sourceChecksum), object(targetCount, targetChecksum))
    }
}
