/// `pg_depend` edges among the schema's objects, for pre-data order, and the objects outside
/// the schemas that it needs (prerequisites).
extension CatalogReader {
    /// Folds a `pg_depend` end onto the object pgferry creates: a composite type's relation onto
    /// the type, a table's row type onto the table, an array type onto its element type, a
    /// multirange onto its range. `cls` and `oid` are SQL expressions.
    static func fold(_ cls: String, _ oid: String, as alias: String) -> String {
        """
        LEFT JOIN pg_catalog.pg_type \(alias)_t ON \(cls) = 'pg_catalog.pg_type'::pg_catalog.regclass AND \(alias)_t.oid = \(oid)
        LEFT JOIN pg_catalog.pg_type \(alias)_e ON \(alias)_e.oid = \(alias)_t.typelem AND \(alias)_e.typarray = \(alias)_t.oid
        LEFT JOIN pg_catalog.pg_range \(alias)_m ON \(alias)_t.typtype = 'm' AND \(alias)_m.rngmultitypid = \(alias)_t.oid
        LEFT JOIN pg_catalog.pg_type \(alias)_b ON \(alias)_b.oid = coalesce(\(alias)_e.oid, \(alias)_m.rngtypid, \(alias)_t.oid)
        LEFT JOIN pg_catalog.pg_class \(alias)_r ON \(alias)_r.oid = CASE
             WHEN \(cls) = 'pg_catalog.pg_class'::pg_catalog.regclass THEN \(oid) ELSE \(alias)_b.typrelid END
        CROSS JOIN LATERAL (SELECT CASE
             WHEN \(alias)_r.relkind IS NOT NULL AND \(alias)_r.relkind <> 'c' THEN 'pg_class'
             WHEN \(alias)_r.relkind = 'c' OR \(alias)_b.oid IS NOT NULL THEN 'pg_type'
             ELSE \(cls)::pg_catalog.regclass::text END AS cls,
           CASE
             WHEN \(alias)_r.relkind IS NOT NULL AND \(alias)_r.relkind <> 'c' THEN \(alias)_r.oid
             WHEN \(alias)_r.relkind = 'c' THEN \(alias)_r.reltype
             WHEN \(alias)_b.oid IS NOT NULL THEN \(alias)_b.oid
             ELSE \(oid) END AS oid) \(alias)
        """
    }

    /// Dependencies of defaults, CHECKs and view rules count as their table's or view's.
    static let dependencySources = """
        SELECT CASE WHEN d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                      OR d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                      OR (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND con.conrelid <> 0)
                    THEN 'pg_catalog.pg_class'::pg_catalog.regclass
                    WHEN d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
                    THEN 'pg_catalog.pg_type'::pg_catalog.regclass
                    -- An operator family's members (its classes' too) count as the family's, as in pg_dump.
                    WHEN amop.oid IS NOT NULL OR amproc.oid IS NOT NULL THEN 'pg_catalog.pg_opfamily'::pg_catalog.regclass
                    ELSE d.classid END AS classid,
               coalesce(ad.adrelid, rw.ev_class, NULLIF(con.conrelid, 0), NULLIF(con.contypid, 0), amop.amopfamily,
                        amproc.amprocfamily, d.objid) AS objid,
               d.refclassid, d.refobjid
        FROM pg_catalog.pg_depend d
        LEFT JOIN pg_catalog.pg_attrdef ad ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND ad.oid = d.objid
        LEFT JOIN pg_catalog.pg_rewrite rw ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = d.objid
        LEFT JOIN pg_catalog.pg_constraint con ON d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
             AND con.oid = d.objid AND con.contype = 'c'
        LEFT JOIN pg_catalog.pg_amop amop ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND amop.oid = d.objid
        LEFT JOIN pg_catalog.pg_amproc amproc ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND amproc.oid = d.objid
        WHERE d.deptype = 'n' AND (ad.oid IS NOT NULL OR rw.oid IS NOT NULL OR con.oid IS NOT NULL
              OR amop.oid IS NOT NULL OR amproc.oid IS NOT NULL OR d.classid IN (
              'pg_catalog.pg_opclass'::pg_catalog.regclass, 'pg_catalog.pg_opfamily'::pg_catalog.regclass,
              'pg_catalog.pg_ts_parser'::pg_catalog.regclass, 'pg_catalog.pg_ts_template'::pg_catalog.regclass,
              'pg_catalog.pg_ts_dict'::pg_catalog.regclass, 'pg_catalog.pg_ts_config'::pg_catalog.regclass,
              'pg_catalog.pg_class'::pg_catalog.regclass, 'pg_catalog.pg_type'::pg_catalog.regclass,
              'pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_collation'::pg_catalog.regclass,
              'pg_catalog.pg_operator'::pg_catalog.regclass, 'pg_catalog.pg_cast'::pg_catalog.regclass,
              'pg_catalog.pg_transform'::pg_catalog.regclass, 'pg_catalog.pg_conversion'::pg_catalog.regclass))
        """

    func readDependencies(into catalog: inout SchemaCatalog) async throws {
        let keys = catalog.objectKeys
        let oids = Array(Set(keys.map(\.oid)))
        let rows = try await connection.query("""
            SELECT s.cls AS object_class, s.oid AS object_oid, r.cls AS referenced_class, r.oid AS referenced_oid
            FROM (\(unescaped: Self.dependencySources)) d
            \(unescaped: Self.fold("d.classid", "d.objid", as: "s"))
            \(unescaped: Self.fold("d.refclassid", "d.refobjid", as: "r"))
            WHERE s.oid = ANY(\(oids)) AND r.oid = ANY(\(oids))
            """).rows
        catalog.dependencies = try rows.compactMap { row in
            guard let objectClass = try ObjectKey.Class(rawValue: row.string("object_class")),
                  let referencedClass = try ObjectKey.Class(rawValue: row.string("referenced_class")) else { return nil }
            let dependency = try Dependency(object: ObjectKey(objectClass, row.oid("object_oid")),
                                            referenced: ObjectKey(referencedClass, row.oid("referenced_oid")))
            return keys.contains(dependency.object) && keys.contains(dependency.referenced) ? dependency : nil
        }
        // An inheritance child is created after its parents (INHERITS names them).
        for table in catalog.tables {
            for parent in table.inherits {
                guard let parentTable = catalog.table(parent) else { continue }
                catalog.dependencies.append(Dependency(object: ObjectKey(.relation, table.oid),
                                                       referenced: ObjectKey(.relation, parentTable.oid)))
            }
        }
        // A class is created in its family (an automatic edge, which the query above leaves out).
        for opclass in catalog.operatorClasses {
            guard let family = opclass.head?.family,
                  let familyObject = catalog.operatorClasses.first(where: { $0.kind == .family && $0.name == family }) else { continue }
            catalog.dependencies.append(Dependency(object: ObjectKey(.operatorClass, opclass.oid),
                                                   referenced: ObjectKey(.operatorFamily, familyObject.oid)))
        }
        catalog.needsKeys = try await readKeyDependents(oids: oids)
        catalog.prerequisites = try await readPrerequisites(oids: oids)
    }

    /// Views (through their rule) and functions that `pg_depend` ties to a key constraint or an
    /// index: a view grouping by a primary key and selecting other columns (functional
    /// dependency), a SQL-standard body relying on one.
    func readKeyDependents(oids: [UInt32]) async throws -> Set<ObjectKey> {
        let rows = try await connection.query("""
            SELECT DISTINCT s.cls AS object_class, s.oid AS object_oid
            FROM (\(unescaped: Self.dependencySources)) d
            \(unescaped: Self.fold("d.classid", "d.objid", as: "s"))
            LEFT JOIN pg_catalog.pg_constraint k ON d.refclassid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
                 AND k.oid = d.refobjid
            LEFT JOIN pg_catalog.pg_class i ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.oid = d.refobjid
            WHERE s.oid = ANY(\(oids)) AND (k.contype IN ('p', 'u', 'x') OR i.relkind IN ('i', 'I'))
            """).rows
        return Set(try rows.compactMap { row in
            try ObjectKey.Class(rawValue: row.string("object_class")).map { try ObjectKey($0, row.oid("object_oid")) }
        })
    }

    /// User objects (OID ≥ 16384) outside the migrated schemas that objects inside depend on.
    func readPrerequisites(oids: [UInt32]) async throws -> [Prerequisite] {
        let rows = try await connection.query("""
            SELECT DISTINCT a.type, a.object_names::text[] AS names, a.object_args::text[] AS arguments,
                   pg_catalog.pg_describe_object(d.refclassid, d.refobjid, 0) AS label,
                   (SELECT x.extname FROM pg_catalog.pg_depend e JOIN pg_catalog.pg_extension x ON x.oid = e.refobjid
                    WHERE e.classid = d.refclassid AND e.objid = d.refobjid AND e.deptype = 'e'
                      AND e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass LIMIT 1) AS extension
            FROM (\(unescaped: Self.dependencySources)
                  -- Indexes and keys are built after the data, so they do not order pre-data, but
                  -- what they use (an extension's operator class, say) must exist on the target.
                  UNION ALL
                  SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, coalesce(ix.indrelid, con.conrelid), d.refclassid, d.refobjid
                  FROM pg_catalog.pg_depend d
                  LEFT JOIN pg_catalog.pg_index ix ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ix.indexrelid = d.objid
                  LEFT JOIN pg_catalog.pg_constraint con ON d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
                       AND con.oid = d.objid AND con.conrelid <> 0
                  WHERE d.deptype = 'n' AND (ix.indexrelid IS NOT NULL OR con.oid IS NOT NULL)) d
            CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.refclassid, d.refobjid, 0) i
            CROSS JOIN LATERAL pg_catalog.pg_identify_object_as_address(d.refclassid, d.refobjid, 0) a
            WHERE d.objid = ANY(\(oids)) AND d.refobjid >= 16384
              AND d.refclassid <> 'pg_catalog.pg_namespace'::pg_catalog.regclass
              -- pg_identify_object quotes the schema name when it needs quotes.
              AND (i.schema IS NULL OR i.schema NOT IN (SELECT pg_catalog.quote_ident(s) FROM unnest(\(schemas)) s))
              -- Casts and transforms have no schema: those recreated here are no prerequisite.
              AND NOT (d.refclassid IN ('pg_catalog.pg_cast'::pg_catalog.regclass, 'pg_catalog.pg_transform'::pg_catalog.regclass)
                       AND d.refobjid = ANY(\(oids)))
            ORDER BY 4
            """).rows
        return try rows.map {
            try Prerequisite(type: $0.string("type"), names: $0.array("names"), arguments: $0.array("arguments"),
                             label: $0.string("label"), extensionName: $0.optionalString("extension"))
        }
    }
}

extension SchemaCatalog {
    /// The keys of every object pre-data creates.
    var objectKeys: Set<ObjectKey> {
        var keys = Set(tables.map { ObjectKey(.relation, $0.oid) })
        keys.formUnion(views.map { ObjectKey(.relation, $0.oid) })
        keys.formUnion(sequences.map { ObjectKey(.relation, $0.oid) })
        keys.formUnion(types.map { ObjectKey(.type, $0.oid) })
        keys.formUnion(collations.map { ObjectKey(.collation, $0.oid) })
        keys.formUnion(functions.map { ObjectKey(.function, $0.oid) })
        keys.formUnion(aggregates.map { ObjectKey(.function, $0.oid) })
        keys.formUnion(operators.map { ObjectKey(.sqlOperator, $0.oid) })
        keys.formUnion(operatorClasses.map { ObjectKey($0.objectClass, $0.oid) })
        keys.formUnion(textSearch.map { ObjectKey($0.kind.objectClass, $0.oid) })
        keys.formUnion(casts.map { ObjectKey(.cast, $0.oid) })
        keys.formUnion(transforms.map { ObjectKey(.transform, $0.oid) })
        keys.formUnion(conversions.map { ObjectKey(.conversion, $0.oid) })
        return keys
    }
}
