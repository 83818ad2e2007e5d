/// The compare's inventory, catalog by catalog: each section lists one catalog's objects of the
/// schemas with their facets.
extension InventoryReader {
    /// One row source per catalog, columns as `q` names them; `migrated_schemas` is the
    /// query's list of the schemas' OIDs.
    var sections: [String] {
        schemaAndRelationSections + typeAndRoutineSections + tableObjectSections + operatorAndTextSearchSections
            + databaseWideSections + (wholeDatabase ? wholeDatabaseSections : [])
    }

    var inSchemas: String { "IN (SELECT oid FROM migrated_schemas)" }

    /// One catalog's rows. `name`: the bare name; `listed`: false for what the not-migrated list
    /// leaves to another object (a shell operator, an inherited constraint, a constraint
    /// trigger's constraint).
    func row(_ catalog: String, _ objid: String, subid: String = "0", relid: String = "NULL", name: String = "NULL",
                     listed: String = "true", owner: String = "NULL", acl: String = "NULL", _ facets: [(String, String)]) -> String {
        let pairs = facets.map { "'\($0.0)', (\($0.1))::text" }.joined(separator: ", ")
        return """
            SELECT \(Self.catalog(catalog))::pg_catalog.oid, (\(objid))::pg_catalog.oid, (\(subid))::integer,
                   (\(relid))::pg_catalog.oid, (\(name))::text, (\(listed))::boolean,
                   \(identitiesOnly ? "'{}'::pg_catalog.jsonb" : "pg_catalog.jsonb_build_object(\(pairs))"),
                   pg_catalog.pg_get_userbyid(\(owner))::text, (\(acl))::text
            """
    }

    private func nonzero(_ oid: String, _ cast: String) -> String { "CASE WHEN \(oid) <> 0 THEN \(oid)::pg_catalog.\(cast)::text END" }

    /// -1 before 17, NULL since: both "default".
    private func statisticsTarget(_ column: String) -> String { "NULLIF(\(column), -1)" }


    /// Schemas, default privileges, relations and their columns.
    private var schemaAndRelationSections: [String] {
        var sections: [String] = []
        sections.append(row("pg_namespace", "n.oid", name: "n.nspname", owner: "n.nspowner", acl: "n.nspacl", [])
            + " FROM pg_catalog.pg_namespace n WHERE n.oid \(inSchemas)")
        // Default privileges are privileges: compared (and recreated) only with owners.
        if includeOwnership {
            sections.append(row("pg_default_acl", "d.oid", acl: "d.defaclacl", [])
                + " FROM pg_catalog.pg_default_acl d JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace"
                + " WHERE n.oid \(inSchemas)")
        }

        // Relations: tables, views, materialized views, sequences, foreign tables.
        sections.append(row("pg_class", "c.oid", name: "c.relname", owner: "c.relowner", acl: "c.relacl", [
            ("persistence", "c.relpersistence"),
            ("options", Self.optionSet("c.reloptions")),
            ("partition key", "CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END"),
            ("partition bound", "pg_catalog.pg_get_expr(c.relpartbound, c.oid)"),
            ("inherits", """
                (SELECT pg_catalog.string_agg(h.inhparent::pg_catalog.regclass::text, ', ' ORDER BY h.inhseqno)
                 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = c.oid AND NOT c.relispartition)
                """),
            ("of type", nonzero("c.reloftype", "regtype")),
            ("replica identity", "CASE WHEN c.relkind IN ('r', 'p') THEN c.relreplident END"),
            ("row security", "CASE WHEN c.relkind IN ('r', 'p') THEN c.relrowsecurity::text || ', force ' || c.relforcerowsecurity::text END"),
            // A partitioned table records one only when given (17+).
            ("access method", "CASE WHEN c.relkind IN ('r', 'm', 'p') THEN (SELECT amname FROM pg_catalog.pg_am WHERE oid = c.relam) END"),
            (SchemaComparison.deparsedQueryFacet, "CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END"),
            ("sequence", """
                (SELECT pg_catalog.format('%s start %s increment %s min %s max %s cache %s%s', pg_catalog.format_type(s.seqtypid, NULL),
                        s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END)
                 FROM pg_catalog.pg_sequence s WHERE s.seqrelid = c.oid)
                """),
            ("owned by", """
                (SELECT d.refobjid::pg_catalog.regclass::text || '.' || pg_catalog.quote_ident(a.attname) || ' (' || d.deptype::text || ')'
                 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                 WHERE c.relkind = 'S' AND d.classid = \(Self.catalog("pg_class")) AND d.objid = c.oid
                   AND d.refclassid = \(Self.catalog("pg_class")) AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') LIMIT 1)
                """),
            ("server", "(SELECT v.srvname FROM pg_catalog.pg_foreign_table f JOIN pg_catalog.pg_foreign_server v ON v.oid = f.ftserver WHERE f.ftrelid = c.oid)"),
            ("foreign options", "(SELECT \(Self.optionSet("f.ftoptions")) FROM pg_catalog.pg_foreign_table f WHERE f.ftrelid = c.oid)"),
        ]) + " FROM pg_catalog.pg_class c WHERE c.relnamespace \(inSchemas) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')")

        // Columns of relations and composite types.
        sections.append(row("pg_class", "c.oid", subid: "a.attnum", relid: "c.oid", name: "a.attname", acl: "a.attacl", [
            ("position", "pg_catalog.row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)"),
            ("type", "pg_catalog.format_type(a.atttypid, a.atttypmod)"),
            ("not null", "CASE WHEN a.attnotnull THEN 'not null' END"),
            ("default", "CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END"),
            ("generated", "CASE WHEN a.attgenerated <> '' THEN a.attgenerated::text || ' ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END"),
            // A partition's identity is its root's: 17+ record it on the partitions too, older servers do not.
            ("identity", "CASE WHEN NOT c.relispartition THEN NULLIF(a.attidentity, '') END"),
            ("collation", "CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::pg_catalog.regcollation::text END"),
            ("storage", "CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END"),
            ("compression", "NULLIF(a.attcompression, '')"),
            ("statistics", statisticsTarget("a.attstattarget")),
            ("options", Self.optionSet("a.attoptions")),
            ("foreign options", Self.optionSet("a.attfdwoptions")),
            ("local", "CASE WHEN c.relkind IN ('r', 'p', 'f') THEN a.attislocal END"),
        ]) + """
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE c.relnamespace \(inSchemas) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped
            """)
        return sections
    }

    /// Types, and functions, procedures and aggregates.
    private var typeAndRoutineSections: [String] {
        var sections: [String] = []
        // Types: not array types, multiranges or tables' row types, which come with another object.
        let baseOnly = { (expression: String) in "CASE WHEN t.typtype = 'b' THEN \(expression) END" }
        sections.append(row("pg_type", "t.oid", name: "t.typname", owner: "t.typowner", acl: "t.typacl", [
            ("kind", "t.typtype"),
            ("labels", "(SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)"),
            ("base type", "CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END"),
            ("not null", "CASE WHEN t.typnotnull THEN 'not null' END"),
            ("default", "t.typdefault"),
            ("collation", "CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN t.typcollation::pg_catalog.regcollation::text END"),
            ("range", """
                (SELECT pg_catalog.format('subtype %s opclass %s collation %s canonical %s diff %s multirange %s',
                        pg_catalog.format_type(r.rngsubtype, NULL), \(Self.qualified("o.opcnamespace", "o.opcname")),
                        NULLIF(r.rngcollation, 0)::pg_catalog.regcollation, r.rngcanonical::pg_catalog.regproc,
                        r.rngsubdiff::pg_catalog.regproc, r.rngmultitypid::pg_catalog.regtype)
                 FROM pg_catalog.pg_range r JOIN pg_catalog.pg_opclass o ON o.oid = r.rngsubopc WHERE r.rngtypid = t.oid)
                """),
            ("functions", baseOnly("""
                pg_catalog.format('input %s output %s receive %s send %s typmod in %s typmod out %s analyze %s subscript %s',
                    t.typinput::pg_catalog.regproc, t.typoutput::pg_catalog.regproc, t.typreceive::pg_catalog.regproc,
                    t.typsend::pg_catalog.regproc, t.typmodin::pg_catalog.regproc, t.typmodout::pg_catalog.regproc,
                    t.typanalyze::pg_catalog.regproc, t.typsubscript::pg_catalog.regproc)
                """)),
            ("storage", baseOnly("""
                pg_catalog.format('length %s by value %s align %s storage %s category %s preferred %s delimiter %s element %s collatable %s',
                    t.typlen, t.typbyval, t.typalign, t.typstorage, t.typcategory, t.typispreferred, t.typdelim,
                    NULLIF(t.typelem, 0)::pg_catalog.regtype, t.typcollation <> 0)
                """)),
        ]) + """
             FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
            LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
            WHERE t.typnamespace \(inSchemas) AND t.typtype <> 'm' AND (t.typrelid = 0 OR c.relkind = 'c')
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid)
            """)

        // Functions, procedures and aggregates. A BEGIN ATOMIC body is deparsed: a query facet.
        let atomicBody = version >= 140000 ? "p.prosqlbody IS NOT NULL" : "false"
        let agg = { (expression: String) in "(SELECT \(expression) FROM pg_catalog.pg_aggregate g WHERE g.aggfnoid = p.oid)" }
        sections.append(row("pg_proc", "p.oid", name: "p.proname", owner: "p.proowner", acl: "p.proacl", [
            ("arguments", "pg_catalog.pg_get_function_arguments(p.oid)"),
            ("result", "pg_catalog.pg_get_function_result(p.oid)"),
            ("definition", "CASE WHEN p.prokind <> 'a' AND NOT (\(atomicBody)) THEN pg_catalog.pg_get_functiondef(p.oid) END"),
            (SchemaComparison.deparsedQueryFacet, "CASE WHEN p.prokind <> 'a' AND \(atomicBody) THEN pg_catalog.pg_get_functiondef(p.oid) END"),
            ("aggregate", agg("""
                pg_catalog.format('kind %s direct %s state %s %s transition %s final %s extra %s modify %s combine %s serial %s deserial %s initial %s '
                    || 'moving state %s %s transition %s inverse %s final %s extra %s modify %s initial %s sort %s parallel %s',
                    g.aggkind, g.aggnumdirectargs, pg_catalog.format_type(g.aggtranstype, NULL), g.aggtransspace,
                    g.aggtransfn::pg_catalog.regproc, g.aggfinalfn::pg_catalog.regproc, g.aggfinalextra, g.aggfinalmodify,
                    g.aggcombinefn::pg_catalog.regproc, g.aggserialfn::pg_catalog.regproc, g.aggdeserialfn::pg_catalog.regproc,
                    g.agginitval, NULLIF(g.aggmtranstype, 0)::pg_catalog.regtype, g.aggmtransspace, g.aggmtransfn::pg_catalog.regproc,
                    g.aggminvtransfn::pg_catalog.regproc, g.aggmfinalfn::pg_catalog.regproc, g.aggmfinalextra, g.aggmfinalmodify,
                    g.aggminitval, NULLIF(g.aggsortop, 0)::pg_catalog.regoperator, p.proparallel)
                """)),
        ]) + " FROM pg_catalog.pg_proc p WHERE p.pronamespace \(inSchemas)")
        return sections
    }

    /// What hangs off tables: constraints, indexes, triggers, rules, policies, statistics.
    private var tableObjectSections: [String] {
        var sections: [String] = []
        // Constraints of tables and domains; NOT NULL is a column or domain facet (18 catalogs it
        // here too). A foreign key to a partitioned table gets a clone per referenced partition on
        // its own table, named by version (`fkey1` up to 17, `fkey_1` since): left to their parent.
        sections.append(row("pg_constraint", "k.oid", relid: "NULLIF(k.conrelid, 0)", name: "k.conname",
                                  listed: "k.conislocal AND k.contype <> 't'", [
            ("definition", "pg_catalog.pg_get_constraintdef(k.oid)"),
        ]) + """
             FROM pg_catalog.pg_constraint k WHERE k.connamespace \(inSchemas) AND k.contype <> 'n'
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint p WHERE p.oid = k.conparentid AND p.conrelid = k.conrelid)
            """)

        sections.append(row("pg_class", "c.oid", relid: "i.indrelid", name: "c.relname", [
            ("definition", "pg_catalog.pg_get_indexdef(c.oid)"),
            ("clustered", "CASE WHEN i.indisclustered THEN 'clustered' END"),
            ("replica identity", "CASE WHEN i.indisreplident THEN 'replica identity' END"),
        ]) + """
             FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace \(inSchemas)
            """)

        // Triggers a user created: not internal ones, nor the clones a partition gets from its parent.
        sections.append(row("pg_trigger", "g.oid", relid: "g.tgrelid", name: "g.tgname", [
            ("definition", "pg_catalog.pg_get_triggerdef(g.oid)"),
            ("enabled", "g.tgenabled"),
        ]) + """
             FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
            WHERE c.relnamespace \(inSchemas) AND NOT g.tgisinternal AND g.tgparentid = 0
            """)

        sections.append(row("pg_rewrite", "w.oid", relid: "w.ev_class", name: "w.rulename", [
            (SchemaComparison.deparsedQueryFacet, "pg_catalog.pg_get_ruledef(w.oid)"),
            ("enabled", "w.ev_enabled"),
        ]) + """
             FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_class c ON c.oid = w.ev_class
            WHERE c.relnamespace \(inSchemas) AND w.rulename <> '_RETURN'
            """)

        sections.append(row("pg_policy", "y.oid", relid: "y.polrelid", name: "y.polname", [
            ("command", "y.polcmd"),
            ("permissive", "y.polpermissive"),
            ("roles", """
                (SELECT pg_catalog.string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END,
                        ', ' ORDER BY 1) FROM pg_catalog.unnest(y.polroles) r)
                """),
            ("using", "pg_catalog.pg_get_expr(y.polqual, y.polrelid)"),
            ("with check", "pg_catalog.pg_get_expr(y.polwithcheck, y.polrelid)"),
        ]) + """
             FROM pg_catalog.pg_policy y JOIN pg_catalog.pg_class c ON c.oid = y.polrelid WHERE c.relnamespace \(inSchemas)
            """)

        sections.append(row("pg_statistic_ext", "x.oid", relid: "x.stxrelid", name: "x.stxname", owner: "x.stxowner", [
            ("definition", "pg_catalog.pg_get_statisticsobjdef(x.oid)"),
            ("statistics", statisticsTarget("x.stxstattarget")),
        ]) + " FROM pg_catalog.pg_statistic_ext x WHERE x.stxnamespace \(inSchemas)")
        return sections
    }

    /// Operator classes and families, text search objects, conversions, collations, operators.
    private var operatorAndTextSearchSections: [String] {
        var sections: [String] = []
        sections.append(row("pg_opclass", "o.oid", name: "o.opcname", owner: "o.opcowner", [
            ("method", "(SELECT amname FROM pg_catalog.pg_am WHERE oid = o.opcmethod)"),
            ("input type", "pg_catalog.format_type(o.opcintype, NULL)"),
            ("default", "o.opcdefault"),
            ("storage", "CASE WHEN o.opckeytype <> 0 THEN pg_catalog.format_type(o.opckeytype, NULL) END"),
            ("family", "(SELECT \(Self.qualified("f.opfnamespace", "f.opfname")) FROM pg_catalog.pg_opfamily f WHERE f.oid = o.opcfamily)"),
        ]) + " FROM pg_catalog.pg_opclass o WHERE o.opcnamespace \(inSchemas)")

        sections.append(row("pg_opfamily", "f.oid", name: "f.opfname", owner: "f.opfowner", [
            ("method", "(SELECT amname FROM pg_catalog.pg_am WHERE oid = f.opfmethod)"),
            ("operators", """
                (SELECT pg_catalog.string_agg(pg_catalog.format('%s %s %s %s', m.amopstrategy, m.amopopr::pg_catalog.regoperator,
                        m.amoppurpose, NULLIF(m.amopsortfamily, 0)), ', ' ORDER BY m.amopstrategy, m.amoplefttype::pg_catalog.regtype::text,
                        m.amoprighttype::pg_catalog.regtype::text)
                 FROM pg_catalog.pg_amop m WHERE m.amopfamily = f.oid)
                """),
            ("functions", """
                (SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s, %s) %s', m.amprocnum, m.amproclefttype::pg_catalog.regtype,
                        m.amprocrighttype::pg_catalog.regtype, m.amproc::pg_catalog.regprocedure), ', '
                        ORDER BY m.amprocnum, m.amproclefttype::pg_catalog.regtype::text, m.amprocrighttype::pg_catalog.regtype::text)
                 FROM pg_catalog.pg_amproc m WHERE m.amprocfamily = f.oid)
                """),
        ]) + " FROM pg_catalog.pg_opfamily f WHERE f.opfnamespace \(inSchemas)")

        sections.append(row("pg_ts_parser", "p.oid", name: "p.prsname", [
            ("functions", """
                pg_catalog.format('start %s token %s end %s headline %s lextypes %s', p.prsstart::pg_catalog.regproc,
                    p.prstoken::pg_catalog.regproc, p.prsend::pg_catalog.regproc, p.prsheadline::pg_catalog.regproc,
                    p.prslextype::pg_catalog.regproc)
                """),
        ]) + " FROM pg_catalog.pg_ts_parser p WHERE p.prsnamespace \(inSchemas)")

        sections.append(row("pg_ts_template", "m.oid", name: "m.tmplname", [
            ("functions", "pg_catalog.format('init %s lexize %s', m.tmplinit::pg_catalog.regproc, m.tmpllexize::pg_catalog.regproc)"),
        ]) + " FROM pg_catalog.pg_ts_template m WHERE m.tmplnamespace \(inSchemas)")

        sections.append(row("pg_ts_dict", "d.oid", name: "d.dictname", owner: "d.dictowner", [
            ("template", "(SELECT \(Self.qualified("m.tmplnamespace", "m.tmplname")) FROM pg_catalog.pg_ts_template m WHERE m.oid = d.dicttemplate)"),
            ("options", "d.dictinitoption"),
        ]) + " FROM pg_catalog.pg_ts_dict d WHERE d.dictnamespace \(inSchemas)")

        sections.append(row("pg_ts_config", "g.oid", name: "g.cfgname", owner: "g.cfgowner", [
            ("parser", "(SELECT \(Self.qualified("p.prsnamespace", "p.prsname")) FROM pg_catalog.pg_ts_parser p WHERE p.oid = g.cfgparser)"),
            ("mapping", """
                (SELECT pg_catalog.string_agg(m.maptokentype::text || ' ' || m.mapdict::pg_catalog.regdictionary::text, ', '
                        ORDER BY m.maptokentype, m.mapseqno)
                 FROM pg_catalog.pg_ts_config_map m WHERE m.mapcfg = g.oid)
                """),
        ]) + " FROM pg_catalog.pg_ts_config g WHERE g.cfgnamespace \(inSchemas)")

        sections.append(row("pg_conversion", "v.oid", name: "v.conname", owner: "v.conowner", [
            ("definition", """
                pg_catalog.format('%s to %s function %s default %s', pg_catalog.pg_encoding_to_char(v.conforencoding),
                    pg_catalog.pg_encoding_to_char(v.contoencoding), v.conproc::pg_catalog.regproc, v.condefault)
                """),
        ]) + " FROM pg_catalog.pg_conversion v WHERE v.connamespace \(inSchemas)")

        sections.append(row("pg_collation", "l.oid", name: "l.collname", owner: "l.collowner", collationFacets)
            + " FROM pg_catalog.pg_collation l WHERE l.collnamespace \(inSchemas)")

        sections.append(row("pg_operator", "o.oid", name: "o.oprname", listed: "o.oprcode <> 0", owner: "o.oprowner", [
            ("definition", """
                pg_catalog.format('kind %s left %s right %s result %s function %s commutator %s negator %s restrict %s join %s merges %s hashes %s',
                    o.oprkind, NULLIF(o.oprleft, 0)::pg_catalog.regtype, NULLIF(o.oprright, 0)::pg_catalog.regtype,
                    NULLIF(o.oprresult, 0)::pg_catalog.regtype, o.oprcode::pg_catalog.regproc,
                    NULLIF(o.oprcom, 0)::pg_catalog.regoperator, NULLIF(o.oprnegate, 0)::pg_catalog.regoperator,
                    o.oprrest::pg_catalog.regproc, o.oprjoin::pg_catalog.regproc, o.oprcanmerge, o.oprcanhash)
                """),
        ]) + " FROM pg_catalog.pg_operator o WHERE o.oprnamespace \(inSchemas)")
        return sections
    }

    /// Casts and transforms the schemas take part in, and the schemas' extensions.
    private var databaseWideSections: [String] {
        var sections: [String] = []
        // Casts and transforms are database-wide: the ones a type or function of the schemas takes part in.
        let typeInSchemas = { (oid: String) in "(SELECT typnamespace FROM pg_catalog.pg_type WHERE oid = \(oid)) \(inSchemas)" }
        let procInSchemas = { (oid: String) in "(SELECT pronamespace FROM pg_catalog.pg_proc WHERE oid = \(oid)) \(inSchemas)" }
        // A whole-database move takes every user cast and transform (OID past initdb's).
        let user = { (oid: String) in "\(oid) >= 16384" }
        sections.append(row("pg_cast", "k.oid", [
            ("definition", """
                pg_catalog.format('function %s context %s method %s', NULLIF(k.castfunc, 0)::pg_catalog.regprocedure,
                    k.castcontext, k.castmethod)
                """),
        ]) + " FROM pg_catalog.pg_cast k WHERE " + (wholeDatabase ? user("k.oid") : [typeInSchemas("k.castsource"),
                                                     typeInSchemas("k.casttarget"),
                                                     procInSchemas("k.castfunc")].joined(separator: " OR ")))
        sections.append(row("pg_transform", "r.oid", [
            ("definition", """
                pg_catalog.format('from sql %s to sql %s', NULLIF(r.trffromsql, 0)::pg_catalog.regprocedure,
                    NULLIF(r.trftosql, 0)::pg_catalog.regprocedure)
                """),
        ]) + " FROM pg_catalog.pg_transform r WHERE " + (wholeDatabase ? user("r.oid") : [typeInSchemas("r.trftype"),
                                                          procInSchemas("r.trffromsql"),
                                                          procInSchemas("r.trftosql")].joined(separator: " OR ")))

        sections.append(row("pg_extension", "x.oid", name: "x.extname", [])
            + " FROM pg_catalog.pg_extension x WHERE x.extnamespace \(inSchemas)\(wholeDatabase ? " OR x.oid >= 16384" : "")")
        return sections
    }

    /// Where a collation keeps its locale moved between versions: `collcollate` for ICU up to
    /// 14, `colliculocale` in 15 and 16, `colllocale` since 17.
    private var collationFacets: [(String, String)] {
        let locale = switch version {
        case ..<150000: "CASE WHEN l.collprovider = 'i' THEN l.collcollate END"
        case ..<170000: "l.colliculocale"
        default: "l.colllocale"
        }
        var facets = [
            ("provider", "l.collprovider"),
            ("deterministic", "l.collisdeterministic"),
            ("encoding", "CASE WHEN l.collencoding <> -1 THEN pg_catalog.pg_encoding_to_char(l.collencoding) END"),
            ("lc_collate", "CASE WHEN l.collprovider = 'c' THEN l.collcollate END"),
            ("lc_ctype", "CASE WHEN l.collprovider = 'c' THEN l.collctype END"),
            ("locale", locale),
        ]
        if version >= 160000 { facets.append(("rules", "l.collicurules")) }
        return facets
    }
}
