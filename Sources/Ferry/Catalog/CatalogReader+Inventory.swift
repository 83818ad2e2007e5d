/// The schema's inventory (`SchemaObject`): every object the source holds in the migrated
/// schemas, and the `pg_depend` edges that reach them. Compared with what the reader recreated,
/// it gives the not-migrated list and the refusals.
extension CatalogReader {
    /// One row per object: its catalog, OID, namespace, name, and the table or domain it hangs
    /// off (constraints, triggers, rules and policies).
    static let inventory = """
        WITH RECURSIVE \(extensionOwnedObjects)
        SELECT o.classid, o.objid, o.nsp, o.name, o.parent_schema, o.parent_name FROM (
            SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid, c.relnamespace AS nsp, c.relname AS name,
                   NULL::name AS parent_schema, NULL::name AS parent_name
            FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c', 'i', 'I')
            UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, oid, typnamespace, typname, NULL, NULL FROM pg_catalog.pg_type
            UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, oid, pronamespace, proname, NULL, NULL FROM pg_catalog.pg_proc
            -- A shell operator (no function) is the implicit commutator or negator of a defined one.
            UNION ALL SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, oid, oprnamespace, oprname, NULL, NULL
                      FROM pg_catalog.pg_operator WHERE oprcode <> 0
            UNION ALL SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass, oid, opcnamespace, opcname, NULL, NULL FROM pg_catalog.pg_opclass
            UNION ALL SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass, oid, opfnamespace, opfname, NULL, NULL FROM pg_catalog.pg_opfamily
            UNION ALL SELECT 'pg_catalog.pg_ts_parser'::pg_catalog.regclass, oid, prsnamespace, prsname, NULL, NULL FROM pg_catalog.pg_ts_parser
            UNION ALL SELECT 'pg_catalog.pg_ts_template'::pg_catalog.regclass, oid, tmplnamespace, tmplname, NULL, NULL
                      FROM pg_catalog.pg_ts_template
            UNION ALL SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass, oid, dictnamespace, dictname, NULL, NULL FROM pg_catalog.pg_ts_dict
            UNION ALL SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass, oid, cfgnamespace, cfgname, NULL, NULL FROM pg_catalog.pg_ts_config
            UNION ALL SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass, oid, connamespace, conname, NULL, NULL
                      FROM pg_catalog.pg_conversion
            UNION ALL SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, oid, collnamespace, collname, NULL, NULL
                      FROM pg_catalog.pg_collation
            UNION ALL SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass, oid, stxnamespace, stxname, NULL, NULL
                      FROM pg_catalog.pg_statistic_ext
            -- Constraints that come with something else are left out: inherited and partition
            -- clones, not-null constraints (column properties), a constraint trigger's constraint
            -- (the trigger stands for it).
            UNION ALL SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, con.oid, con.connamespace, con.conname,
                      coalesce(rn.nspname, tn.nspname), coalesce(r.relname, t.typname)
                      FROM pg_catalog.pg_constraint con
                      LEFT JOIN pg_catalog.pg_class r ON r.oid = con.conrelid LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
                      LEFT JOIN pg_catalog.pg_type t ON t.oid = con.contypid LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
                      WHERE con.conislocal AND con.contype NOT IN ('t', 'n')
            UNION ALL SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, tg.oid, r.relnamespace, tg.tgname, rn.nspname, r.relname
                      FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class r ON r.oid = tg.tgrelid
                      JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
                      WHERE NOT tg.tgisinternal AND tg.tgparentid = 0
            UNION ALL SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass, rw.oid, r.relnamespace, rw.rulename, rn.nspname, r.relname
                      FROM pg_catalog.pg_rewrite rw JOIN pg_catalog.pg_class r ON r.oid = rw.ev_class
                      JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace WHERE rw.rulename <> '_RETURN'
            UNION ALL SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass, p.oid, r.relnamespace, p.polname, rn.nspname, r.relname
                      FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class r ON r.oid = p.polrelid
                      JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
            -- Casts and transforms belong to no schema; they count for the schema of a type or
            -- function they take part in (pg_dump -n leaves them out).
            UNION ALL SELECT 'pg_catalog.pg_cast'::pg_catalog.regclass, ca.oid, x.nsp, NULL, NULL, NULL FROM pg_catalog.pg_cast ca,
                LATERAL (SELECT pronamespace FROM pg_catalog.pg_proc WHERE oid = ca.castfunc
                         UNION SELECT typnamespace FROM pg_catalog.pg_type WHERE oid IN (ca.castsource, ca.casttarget)) x(nsp)
            UNION ALL SELECT 'pg_catalog.pg_transform'::pg_catalog.regclass, tr.oid, x.nsp, NULL, NULL, NULL FROM pg_catalog.pg_transform tr,
                LATERAL (SELECT pronamespace FROM pg_catalog.pg_proc WHERE oid IN (tr.trffromsql, tr.trftosql)
                         UNION SELECT typnamespace FROM pg_catalog.pg_type WHERE oid = tr.trftype) x(nsp)
        ) o
        WHERE o.nsp IN (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[]))
          AND NOT \(CatalogReader.extensionOwned("o.classid", "o.objid"))
          -- Parts created with their owner: array and row types, a key's index, a partition's
          -- index, an identity sequence, a range's constructors. A constraint trigger is kept.
          AND (o.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass OR NOT EXISTS (
               SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = o.classid AND i.objid = o.objid AND i.deptype IN ('i', 'P')))
        """

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

    /// The inventory, by catalog and OID. Every row is a key pgferry's model uses as it is: the
    /// parts that would need folding (array, row and multirange types, a composite type's
    /// relation) come with their owner and are not in it.
    func readInventory() async throws -> [SchemaObject.Identity: SchemaObject] {
        let rows = try await connection.query("""
            SELECT DISTINCT o.classid::pg_catalog.regclass::text AS catalog, o.objid, n.nspname, o.name,
                   o.parent_schema, o.parent_name, pg_catalog.pg_describe_object(o.classid, o.objid, 0) AS label
            FROM (\(Self.inventory)) o
            JOIN pg_catalog.pg_namespace n ON n.oid = o.nsp
            ORDER BY label
            """, [schemaArray]).rows
        var inventory: [SchemaObject.Identity: SchemaObject] = [:]
        for row in rows {
            inventory[try .key(catalog: row.string("catalog"), oid: row.oid("objid"))] = try Self.schemaObject(row)
        }
        return inventory
    }

    private static func schemaObject(_ row: QueryResult.Row) throws -> SchemaObject {
        let catalog = try row.string("catalog"), name = try row.optionalString("name")
        let label = try row.string("label")
        if let parent = try row.optionalString("parent_name"), let name {
            // Constraints, triggers, rules and policies: by name on their table or domain.
            return try SchemaObject(identity: .member(catalog: catalog, of: QualifiedName(row.string("parent_schema"), parent),
                                                      name: name), label: label)
        }
        if catalog == "pg_statistic_ext", let name {
            return try SchemaObject(identity: .named(catalog: catalog, QualifiedName(row.string("nspname"), name)),
                                    name: name, label: label)
        }
        return try SchemaObject(identity: .key(catalog: catalog, oid: row.oid("objid")), name: name, label: label)
    }

    /// `pg_depend` edges that reach an inventory object, each dependent folded onto what pgferry
    /// would create it with: a default, constraint, index, trigger, policy or statistics object
    /// onto its table (a domain's constraint onto the domain), an operator family member onto
    /// its family, an array type onto its element type.
    func readSchemaDependencies(reaching inventory: [SchemaObject.Identity: SchemaObject]) async throws -> [SchemaDependency] {
        let rows = try await connection.query("""
            WITH inventory AS (\(Self.inventory))
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
            \(Self.fold("d.classid", "d.objid", as: "s"))
            \(Self.fold("d.refclassid", "d.refobjid", as: "r"))
            WHERE (d.refclassid, d.refobjid) IN (SELECT classid, objid FROM inventory)
               OR (r.cls::pg_catalog.regclass, r.oid) IN (SELECT classid, objid FROM inventory)
            ORDER BY label
            """, [schemaArray]).rows
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
