/// The database's large objects: a summary for the plan, and their metadata in OID order for the copy.
extension CatalogReader {
    func readLargeObjectSummary() async throws -> LargeObjectSummary {
        let row = try await connection.query("""
            SELECT count(*) AS n, count(*) FILTER (WHERE NOT \(unescaped: readable("m"))) AS unreadable,
                   pg_catalog.pg_total_relation_size('pg_catalog.pg_largeobject') AS bytes,
                   ARRAY(SELECT DISTINCT pg_catalog.pg_get_userbyid(r) FROM pg_catalog.pg_largeobject_metadata l,
                         LATERAL (SELECT l.lomowner UNION SELECT a.grantee FROM pg_catalog.aclexplode(l.lomacl) a
                                  WHERE a.grantee <> 0) x(r) ORDER BY 1)::text[] AS roles
            FROM pg_catalog.pg_largeobject_metadata m
            """).rows[0]
        return try LargeObjectSummary(count: row.int("n"), bytesOnDisk: row.int64("bytes"), unreadable: row.int("unreadable"),
                                      roles: row.array("roles"))
    }

    /// Up to `limit` large objects with an OID above `after`, with comments (and owners and grants
    /// when ownership is included).
    func readLargeObjects(after: UInt32, limit: Int) async throws -> [LargeObject] {
        let rows = try await connection.query("""
            SELECT m.oid, pg_catalog.obj_description(m.oid, 'pg_largeobject') AS comment,
                   pg_catalog.pg_get_userbyid(m.lomowner) AS owner, m.lomacl::text AS acl
            FROM pg_catalog.pg_largeobject_metadata m WHERE m.oid > \(after) ORDER BY m.oid LIMIT \(limit)
            """).rows
        var objects: [LargeObject] = []
        for row in rows {
            objects.append(try await LargeObject(oid: row.oid("oid"), comment: row.optionalString("comment"),
                                                 ownership: ownership(row)))
        }
        return objects
    }

    /// Whether the session's role may read the large object `alias` (`has_largeobject_privilege`
    /// exists from PostgreSQL 18; before, the same rule spelled out).
    private func readable(_ alias: String) -> String {
        if version >= 180000 { return "pg_catalog.has_largeobject_privilege(\(alias).oid, 'SELECT')" }
        return """
            (pg_catalog.current_setting('lo_compat_privileges')::bool
             OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
             OR pg_catalog.pg_has_role(\(alias).lomowner, 'USAGE')
             OR EXISTS (SELECT 1 FROM pg_catalog.aclexplode(\(alias).lomacl) a WHERE a.privilege_type = 'SELECT'
                        AND (a.grantee = 0 OR pg_catalog.pg_has_role(a.grantee, 'USAGE'))))
            """
    }
}
