/// Text search parsers, templates, dictionaries and configurations, operator families and
/// classes: read as pg_dump's dumpTSParser, dumpTSTemplate, dumpTSDictionary, dumpTSConfig,
/// dumpOpfamily and dumpOpclass read them. Functions print as `regproc`/`regprocedure`, types
/// as `format_type`, schema-qualified because the `search_path` is empty.
extension CatalogReader {
    func readTextSearch() async throws -> [TextSearchObject] {
        let qualified = { (schema: String, name: String) in
            "pg_catalog.quote_ident(\(schema)) || '.' || pg_catalog.quote_ident(\(name))"
        }
        let rows = try await connection.query("""
            -- NULL options (no HEADLINE, no INIT, no dictionary options) drop out of the arrays.
            SELECT 'PARSER' AS kind, p.oid, n.nspname, p.prsname AS name,
                   pg_catalog.array_remove(ARRAY['START = ' || p.prsstart::pg_catalog.regproc::text, 'GETTOKEN = ' || p.prstoken::pg_catalog.regproc::text,
                         'END = ' || p.prsend::pg_catalog.regproc::text,
                         'HEADLINE = ' || NULLIF(p.prsheadline, 0)::pg_catalog.regproc::text,
                         'LEXTYPES = ' || p.prslextype::pg_catalog.regproc::text], NULL) AS options,
                   pg_catalog.obj_description(p.oid, 'pg_ts_parser') AS comment, NULL AS owner
            FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace
            WHERE n.nspname = ANY(\(schemas)) AND \(unescaped: notExtensionMember("p.oid", "pg_ts_parser"))
            UNION ALL
            SELECT 'TEMPLATE', t.oid, n.nspname, t.tmplname,
                   pg_catalog.array_remove(ARRAY['INIT = ' || NULLIF(t.tmplinit, 0)::pg_catalog.regproc::text,
                         'LEXIZE = ' || t.tmpllexize::pg_catalog.regproc::text], NULL),
                   pg_catalog.obj_description(t.oid, 'pg_ts_template'), NULL
            FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
            WHERE n.nspname = ANY(\(schemas)) AND \(unescaped: notExtensionMember("t.oid", "pg_ts_template"))
            UNION ALL
            SELECT 'DICTIONARY', d.oid, n.nspname, d.dictname,
                   pg_catalog.array_remove(ARRAY['TEMPLATE = ' || \(unescaped: qualified("tn.nspname", "t.tmplname")), d.dictinitoption], NULL),
                   pg_catalog.obj_description(d.oid, 'pg_ts_dict'), pg_catalog.pg_get_userbyid(d.dictowner)
            FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
            JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
            WHERE n.nspname = ANY(\(schemas)) AND \(unescaped: notExtensionMember("d.oid", "pg_ts_dict"))
            UNION ALL
            SELECT 'CONFIGURATION', c.oid, n.nspname, c.cfgname, ARRAY['PARSER = ' || \(unescaped: qualified("pn.nspname", "p.prsname"))],
                   pg_catalog.obj_description(c.oid, 'pg_ts_config'), pg_catalog.pg_get_userbyid(c.cfgowner)
            FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
            JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
            WHERE n.nspname = ANY(\(schemas)) AND \(unescaped: notExtensionMember("c.oid", "pg_ts_config"))
            ORDER BY 1, 3, 4
            """).rows
        var objects: [TextSearchObject] = []
        for row in rows {
            let kind = try TextSearchObject.Kind(rawValue: row.string("kind"))!
            var object = try TextSearchObject(
                oid: row.oid("oid"), kind: kind, name: QualifiedName(row.string("nspname"), row.string("name")),
                options: row.optionalArray("options") ?? [], comment: row.optionalString("comment"))
            if includeOwnership, let owner = try row.optionalString("owner") { object.ownership = Ownership(owner: owner) }
            objects.append(object)
        }
        let configurations = objects.indices.filter { objects[$0].kind == .configuration }
        guard !configurations.isEmpty else { return objects }
        let mappings = try await connection.query("""
            SELECT m.mapcfg, t.alias, m.mapdict::pg_catalog.regdictionary::text AS dictionary
            FROM pg_catalog.pg_ts_config_map m JOIN pg_catalog.pg_ts_config c ON c.oid = m.mapcfg
            CROSS JOIN LATERAL pg_catalog.ts_token_type(c.cfgparser) t
            WHERE t.tokid = m.maptokentype AND m.mapcfg = ANY(\(configurations.map { objects[$0].oid })::oid[])
            ORDER BY m.mapcfg, m.maptokentype, m.mapseqno
            """).rows
        for row in mappings {
            let configuration = try row.oid("mapcfg"), token = try row.string("alias"), dictionary = try row.string("dictionary")
            guard let position = configurations.first(where: { objects[$0].oid == configuration }) else { continue }
            if objects[position].mappings.last?.tokenType == token {
                objects[position].mappings[objects[position].mappings.count - 1].dictionaries.append(dictionary)
            } else {
                objects[position].mappings.append(.init(tokenType: token, dictionaries: [dictionary]))
            }
        }
        return objects
    }

    /// Families first, then classes; each with the members `pg_depend` ties to it (a class's own,
    /// a family's loose ones).
    func readOperatorClasses() async throws -> [OperatorClass] {
        let rows = try await connection.query("""
            SELECT 'FAMILY' AS kind, f.oid, n.nspname, f.opfname AS name, a.amname, false AS is_default, NULL AS type,
                   NULL AS family_schema, NULL AS family_name, NULL AS storage,
                   pg_catalog.obj_description(f.oid, 'pg_opfamily') AS comment, pg_catalog.pg_get_userbyid(f.opfowner) AS owner
            FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
            JOIN pg_catalog.pg_am a ON a.oid = f.opfmethod
            WHERE n.nspname = ANY(\(schemas)) AND \(unescaped: notExtensionMember("f.oid", "pg_opfamily"))
            UNION ALL
            SELECT 'CLASS', c.oid, n.nspname, c.opcname, a.amname, c.opcdefault, pg_catalog.format_type(c.opcintype, NULL),
                   fn.nspname, f.opfname, CASE WHEN c.opckeytype <> 0 THEN pg_catalog.format_type(c.opckeytype, NULL) END,
                   pg_catalog.obj_description(c.oid, 'pg_opclass'), pg_catalog.pg_get_userbyid(c.opcowner)
            FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
            JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod
            JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
            WHERE n.nspname = ANY(\(schemas)) AND \(unescaped: notExtensionMember("c.oid", "pg_opclass"))
            ORDER BY 1 DESC, 3, 4, 5
            """).rows
        var classes: [OperatorClass] = []
        for row in rows {
            let kind = try OperatorClass.Kind(rawValue: row.string("kind"))!
            var head: OperatorClass.ClassHead?
            if kind == .opclass {
                head = try .init(isDefault: row.bool("is_default"), type: row.string("type"),
                                 family: QualifiedName(row.string("family_schema"), row.string("family_name")),
                                 storage: row.optionalString("storage"))
            }
            var opclass = try OperatorClass(oid: row.oid("oid"), kind: kind, name: QualifiedName(row.string("nspname"), row.string("name")),
                                            accessMethod: row.string("amname"), head: head, comment: row.optionalString("comment"))
            if includeOwnership { opclass.ownership = try Ownership(owner: row.string("owner")) }
            classes.append(opclass)
        }
        guard !classes.isEmpty else { return classes }
        let members = try await connection.query("""
            SELECT d.refclassid::pg_catalog.regclass::text AS owner_class, d.refobjid AS owner, m.member
            FROM pg_catalog.pg_depend d
            CROSS JOIN LATERAL (
                SELECT 1 AS kind, ao.amopstrategy AS number, 'OPERATOR ' || ao.amopstrategy || ' '
                       || ao.amopopr::pg_catalog.regoperator::text
                       || CASE WHEN ao.amoppurpose = 'o' THEN ' FOR ORDER BY ' || pg_catalog.quote_ident(sn.nspname) || '.'
                               || pg_catalog.quote_ident(sf.opfname) ELSE '' END AS member
                FROM pg_catalog.pg_amop ao
                LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = ao.amopsortfamily
                LEFT JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
                WHERE d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND ao.oid = d.objid
                UNION ALL
                -- The types always: the server cannot infer them for a cross-type sort support function.
                SELECT 2, ap.amprocnum, 'FUNCTION ' || ap.amprocnum || ' (' || pg_catalog.format_type(ap.amproclefttype, NULL)
                       || ', ' || pg_catalog.format_type(ap.amprocrighttype, NULL) || ') ' || ap.amproc::pg_catalog.regprocedure::text
                FROM pg_catalog.pg_amproc ap
                WHERE d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND ap.oid = d.objid) m
            WHERE d.refclassid IN ('pg_catalog.pg_opclass'::pg_catalog.regclass, 'pg_catalog.pg_opfamily'::pg_catalog.regclass)
              AND d.refobjid = ANY(\(classes.map(\.oid))::oid[]) AND d.deptype IN ('a', 'i')
            ORDER BY d.refobjid, m.kind, m.number, m.member
            """).rows
        for row in members {
            let owner = try row.oid("owner"), ownerClass = try row.string("owner_class")
            guard let position = classes.firstIndex(where: { $0.oid == owner && $0.objectClass.rawValue == ownerClass }) else { continue }
            classes[position].members.append(try row.string("member"))
        }
        return classes
    }
}
