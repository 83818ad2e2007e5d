/// The schema's inventory (`SchemaObject`): every object the source holds in the migrated
/// schemas, and the `pg_depend` edges that reach them. Compared with what the reader recreated,
/// it gives the not-migrated list and the refusals.
extension CatalogReader {
    /// What an extension owns: its members, and what hangs off them through automatic and
    /// internal dependencies (a member table's constraints, indexes and triggers, a member
    /// view's rules), which the target's `CREATE EXTENSION` makes. A `WITH RECURSIVE` item.
    static let extensionOwnedObjects = """
        extension_owned(classid, objid) AS (
            SELECT e.classid, e.objid FROM pg_catalog.pg_depend e
            WHERE e.deptype = 'e' AND e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
            UNION SELECT d.classid, d.objid FROM extension_owned w
                  JOIN pg_catalog.pg_depend d ON d.refclassid = w.classid AND d.refobjid = w.objid AND d.deptype IN ('a', 'i'))
        """

    /// True (SQL) for an object in `extensionOwnedObjects`.
    static func extensionOwned(_ classid: String, _ objid: String) -> String {
        "EXISTS (SELECT 1 FROM extension_owned x WHERE x.classid = \(classid) AND x.objid = \(objid))"
    }

    /// The inventory, by catalog and OID: the compare's (`InventoryReader`, one enumeration of
    /// the catalogs for both), less what the not-migrated list leaves to another object: columns,
    /// the schemas and their extensions, what is made with its owner (array, row and multirange
    /// types, a key's index, an identity sequence…), shell operators, inherited constraints.
    func readInventory() async throws -> [SchemaObject.Identity: SchemaObject] {
        try await InventoryReader(connection: connection, schemas: schemas, includeOwnership: false, identitiesOnly: true)
            .reduceEntries(into: [:]) { inventory, entry in
                guard entry.subid == 0 && entry.listed && !entry.madeWithOwner
                    && !["pg_namespace", "pg_default_acl", "pg_extension"].contains(entry.catalog) else { return }
                inventory[.key(catalog: entry.catalog, oid: entry.oid)] = Self.schemaObject(entry)
            }
    }

    private static func schemaObject(_ entry: InventoryReader.Entry) -> SchemaObject {
        let label = entry.object.description, name = entry.object.name
        if ["pg_constraint", "pg_trigger", "pg_rewrite", "pg_policy"].contains(entry.catalog), let name, entry.parentNames.count == 2 {
            // Constraints, triggers, rules and policies: by name on their table or domain.
            return SchemaObject(identity: .member(catalog: entry.catalog, of: QualifiedName(entry.parentNames[0], entry.parentNames[1]),
                                                  name: name), label: label)
        }
        if entry.catalog == "pg_statistic_ext", let name, let schema = entry.statisticsSchema {
            return SchemaObject(identity: .named(catalog: entry.catalog, QualifiedName(schema, name)), name: name, label: label)
        }
        return SchemaObject(identity: .key(catalog: entry.catalog, oid: entry.oid), name: name, label: label)
    }

    /// `pg_depend` edges that reach an inventory object, each dependent folded onto what pgferry
    /// would create it with: a default, constraint, index, trigger, policy or statistics object
    /// onto its table (a domain's constraint onto the domain), an operator family member onto
    /// its family, an array type onto its element type.
    func readSchemaDependencies(reaching inventory: [SchemaObject.Identity: SchemaObject]) async throws -> [SchemaDependency] {
        let keys = inventory.keys.compactMap { identity -> (String, UInt32)? in
            if case .key(let catalog, let oid) = identity { return (catalog, oid) }
            return nil
        }
        let rows = try await connection.query("""
            WITH inventory AS (SELECT * FROM ROWS FROM (pg_catalog.unnest(\(keys.map(\.0))), pg_catalog.unnest(\(keys.map(\.1)))) i(catalog, objid))
            SELECT DISTINCT s.cls AS owner_class, s.oid AS owner_oid, r.cls AS referenced_class, r.oid AS referenced_oid,
                   pg_catalog.pg_describe_object(d.dependent_class, d.dependent_oid, d.dependent_subid) AS label
            FROM (SELECT CASE WHEN con.contypid <> 0 THEN 'pg_catalog.pg_type'::pg_catalog.regclass
                              WHEN amop.oid IS NOT NULL OR amproc.oid IS NOT NULL THEN 'pg_catalog.pg_opfamily'::pg_catalog.regclass
                              WHEN ad.oid IS NOT NULL OR rw.oid IS NOT NULL OR con.oid IS NOT NULL OR tg.oid IS NOT NULL
                                   OR pol.oid IS NOT NULL OR stx.oid IS NOT NULL OR ix.indexrelid IS NOT NULL
                              THEN 'pg_catalog.pg_class'::pg_catalog.regclass
                              ELSE d.classid END AS classid,
                         coalesce(ad.adrelid, rw.ev_class, NULLIF(con.conrelid, 0), NULLIF(con.contypid, 0), tg.tgrelid,
                                  pol.polrelid, stx.stxrelid, ix.indrelid, amop.amopfamily, amproc.amprocfamily, d.objid) AS objid,
                         d.classid AS dependent_class, d.objid AS dependent_oid, d.objsubid AS dependent_subid, d.refclassid, d.refobjid
                  FROM pg_catalog.pg_depend d
                  LEFT JOIN pg_catalog.pg_attrdef ad ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND ad.oid = d.objid
                  LEFT JOIN pg_catalog.pg_rewrite rw ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = d.objid
                  LEFT JOIN pg_catalog.pg_constraint con ON d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND con.oid = d.objid
                  LEFT JOIN pg_catalog.pg_trigger tg ON d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND tg.oid = d.objid
                  LEFT JOIN pg_catalog.pg_policy pol ON d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND pol.oid = d.objid
                  LEFT JOIN pg_catalog.pg_statistic_ext stx ON d.classid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass
                       AND stx.oid = d.objid
                  LEFT JOIN pg_catalog.pg_index ix ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ix.indexrelid = d.objid
                  LEFT JOIN pg_catalog.pg_amop amop ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND amop.oid = d.objid
                  LEFT JOIN pg_catalog.pg_amproc amproc ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND amproc.oid = d.objid
                  WHERE d.deptype = 'n') d
            \(unescaped: Self.fold("d.classid", "d.objid", as: "s"))
            \(unescaped: Self.fold("d.refclassid", "d.refobjid", as: "r"))
            WHERE (d.refclassid::pg_catalog.regclass::text, d.refobjid) IN (SELECT catalog, objid FROM inventory)
               OR (r.cls, r.oid) IN (SELECT catalog, objid FROM inventory)
            ORDER BY label
            """).rows
        return try rows.compactMap { row in
            guard let referenced = try inventory[.key(catalog: row.string("referenced_class"), oid: row.oid("referenced_oid"))]
            else { return nil }
            return try SchemaDependency(owner: .key(catalog: row.string("owner_class"), oid: row.oid("owner_oid")),
                                        objectLabel: row.string("label"), referenced: referenced.identity)
        }
    }

    /// The inventory minus what the reader recreated, and the recreated objects that need one of those.
    func readNotMigrated(into catalog: inout SchemaCatalog) async throws {
        let inventory = try await readInventory()
        let objects = Array(Set(inventory.values))
        let preData = catalog.objectKeys
        catalog.notMigrated = Array(Set(catalog.notRecreated(in: objects, preData: preData).map(\.label))).sorted()
        catalog.blockedObjects = catalog.blocked(
            inventory: objects, dependencies: try await readSchemaDependencies(reaching: inventory), preData: preData)
    }
}
