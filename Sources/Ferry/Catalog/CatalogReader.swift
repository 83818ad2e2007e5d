import Foundation

/// Reads one or more schemas from `pg_catalog` into a `SchemaCatalog`.
///
/// Runs on the snapshot holder connection, inside its transaction, after the relations are
/// locked (the deparsers read live catalogs: the locks keep them equal to the snapshot). Queries
/// are gated on the server version where catalogs differ (catalog-ddl.md §1.21).
struct CatalogReader {
    let connection: PGConnection
    let schemas: [String]
    let includeOwnership: Bool
    /// A whole-database move (`--all-schemas`): also read what pg_dump carries outside the schemas.
    var wholeDatabase = false
    var version: Int { connection.serverVersion }

    struct Relation {
        var oid: UInt32
        var name: QualifiedName
        /// `r`, `p`, `f`, `v` or `m`.
        var kind: String
    }

    /// Tables (plain, partitioned and foreign), views and materialized views of the schemas, not
    /// extension members: what is locked before any deparsing (foreign tables aside: they
    /// cannot be locked and hold no data here).
    func relations() async throws -> [Relation] {
        let result = try await connection.query("""
            SELECT c.oid, n.nspname, c.relname, c.relkind
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(\(schemas)) AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND \(unescaped: notExtensionMember("c.oid", "pg_class"))
            ORDER BY n.nspname, c.relname
            """)
        return try result.rows.map {
            try Relation(oid: $0.oid("oid"), name: QualifiedName($0.string("nspname"), $0.string("relname")),
                         kind: $0.string("relkind"))
        }
    }

    func read(_ relations: [Relation]) async throws -> SchemaCatalog {
        let tableOIDs = relations.filter { ["r", "p", "f"].contains($0.kind) }.map(\.oid)
        let allOIDs = relations.map(\.oid)
        var catalog = SchemaCatalog(serverVersion: version, schemas: try await readSchemas())
        catalog.extensions = try await readExtensions()
        catalog.defaultPrivileges = try await readDefaultPrivileges()
        catalog.tables = try await readTables(oids: tableOIDs)
        catalog.views = try await readViews(oids: relations.filter { $0.kind == "v" || $0.kind == "m" }.map(\.oid))
        catalog.types = try await readTypes()
        catalog.collations = try await readCollations()
        catalog.sequences = try await readSequences()
        catalog.functions = try await readFunctions()
        catalog.aggregates = try await readAggregates()
        catalog.operators = try await readOperators()
        catalog.operatorClasses = try await readOperatorClasses()
        catalog.textSearch = try await readTextSearch()
        catalog.casts = try await readCasts()
        catalog.transforms = try await readTransforms()
        catalog.conversions = try await readConversions()
        catalog.userMappings = try await readUserMappings(servers: catalog.tables.compactMap(\.foreignServer))
        catalog.constraints = try await readConstraints(oids: tableOIDs)
            + readDomainConstraints(oids: catalog.types.map(\.oid))
        catalog.indexes = try await readIndexes(oids: allOIDs)
        catalog.indexAttachments = try await readIndexAttachments(oids: tableOIDs, catalog: catalog)
        catalog.triggers = try await readTriggers(oids: allOIDs)
        catalog.rules = try await readRules(oids: allOIDs)
        catalog.policies = try await readPolicies(oids: tableOIDs)
        catalog.statistics = try await readStatistics(oids: tableOIDs)
        try await readDependencies(into: &catalog)
        try await readNotMigrated(into: &catalog)
        catalog.largeObjects = try await readLargeObjectSummary()
        if wholeDatabase { catalog.database = try await readDatabaseWide() }
        return catalog
    }

    /// Default privileges set for the schemas (`ALTER DEFAULT PRIVILEGES … IN SCHEMA`), read only
    /// when ownership is included, as pg_dump leaves them out with `--no-privileges`.
    func readDefaultPrivileges() async throws -> [DefaultPrivileges] {
        guard includeOwnership else { return [] }
        let rows = try await connection.query("""
            SELECT d.defaclobjtype, n.nspname, pg_catalog.pg_get_userbyid(d.defaclrole) AS owner, d.defaclacl::text AS acl
            FROM pg_catalog.pg_default_acl d JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
            WHERE n.nspname = ANY(\(schemas)) ORDER BY 2, 3, 1
            """).rows
        var privileges: [DefaultPrivileges] = []
        for row in rows {
            privileges.append(try await DefaultPrivileges(objectType: row.string("defaclobjtype"), schema: row.string("nspname"),
                                                          ownership: readOwnership(row)))
        }
        return privileges
    }

    func readSchemas() async throws -> [Schema] {
        let result = try await connection.query("""
            SELECT n.nspname, pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment,
                   pg_catalog.pg_get_userbyid(n.nspowner) AS owner, n.nspacl::text AS acl
            FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY(\(schemas))
            """)
        let found = Set(try result.rows.map { try $0.string("nspname") })
        let missing = schemas.filter { !found.contains($0) }
        if !missing.isEmpty {
            let existing = try await connection.query("""
                SELECT nspname FROM pg_catalog.pg_namespace
                WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1
                """)
            throw FerryError.schemaNotFound(missing, existing: try existing.rows.map { try $0.string("nspname") })
        }
        var schemaObjects: [Schema] = []
        for name in schemas {
            let row = try result.rows.first { try $0.string("nspname") == name }!
            // `public`'s owner and grants are kept even without --owners (see DDLRenderer).
            let ownership = name == "public" ? try await readOwnership(row) : try await ownership(row)
            schemaObjects.append(Schema(name: name, comment: try row.optionalString("comment"), ownership: ownership))
        }
        return schemaObjects
    }

    /// In creation order, so an extension comes after the ones it requires. A whole-database
    /// move takes those in any schema (`pg_catalog` too), but not initdb's (plpgsql), as pg_dump.
    func readExtensions() async throws -> [Extension] {
        try await connection.query("""
            SELECT e.extname, n.nspname, pg_catalog.obj_description(e.oid, 'pg_extension') AS comment
            FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
            WHERE (n.nspname = ANY(\(schemas)) \(unescaped: wholeDatabase ? "OR e.oid >= 16384" : "")) ORDER BY e.oid
            """).rows.map {
            try Extension(name: $0.string("extname"), schema: $0.string("nspname"), comment: $0.optionalString("comment"))
        }
    }

    // MARK: - Helpers

    func notExtensionMember(_ oid: String, _ catalog: String) -> String {
        """
        NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.\(catalog)'::pg_catalog.regclass
                    AND e.objid = \(oid) AND e.deptype = 'e')
        """
    }

    /// `quote_ident(schema).quote_ident(name)` of the collation `oid`, or NULL.
    static func collationName(_ oid: String) -> String {
        """
        (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
         FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = \(oid))
        """
    }

    /// Owner and grants, read only when owners and privileges are included.
    func ownership(_ row: QueryResult.Row) async throws -> Ownership? {
        includeOwnership ? try await readOwnership(row) : nil
    }

    /// The row's `owner` and its `acl` exploded into grants.
    func readOwnership(_ row: QueryResult.Row) async throws -> Ownership {
        let owner = try row.string("owner")
        guard let acl = try row.optionalString("acl") else { return Ownership(owner: owner) }
        let grants = try await connection.query("""
            SELECT CASE WHEN a.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee,
                   a.privilege_type, a.is_grantable
            FROM pg_catalog.aclexplode(\(acl)::pg_catalog.aclitem[]) WITH ORDINALITY a ORDER BY a.ordinality
            """).rows.map {
                try Grant(grantee: $0.string("grantee"), privilege: $0.string("privilege_type"), grantable: $0.bool("is_grantable"))
            }
        return Ownership(owner: owner, grants: grants, hasExplicitACL: true)
    }
}
