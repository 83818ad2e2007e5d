/// The compare's sections for what a whole-database move carries outside the schemas: languages,
/// foreign-data wrappers, servers, user mappings (their options as an md5: they may hold
/// credentials, and a difference is printed), access methods, event triggers, publications with
/// their tables and schemas, and default privileges naming no schema (with owners). Objects an
/// extension made are left out by the query's common filter. The database's comment and
/// settings are not objects `pg_identify_object` names alike on both sides (the names differ).
extension InventoryReader {
    var wholeDatabaseSections: [String] {
        var sections: [String] = []
        let function = { (oid: String) in "CASE WHEN \(oid) <> 0 THEN \(oid)::pg_catalog.regproc::text END" }
        sections.append(row("pg_language", "l.oid", name: "l.lanname", owner: "l.lanowner", acl: "l.lanacl", [
            ("trusted", "l.lanpltrusted"), ("handler", function("l.lanplcallfoid")), ("inline", function("l.laninline")),
            ("validator", function("l.lanvalidator")),
        ]) + " FROM pg_catalog.pg_language l WHERE l.lanispl AND l.oid >= 16384")
        sections.append(row("pg_foreign_data_wrapper", "w.oid", name: "w.fdwname", owner: "w.fdwowner", acl: "w.fdwacl", [
            ("handler", function("w.fdwhandler")), ("validator", function("w.fdwvalidator")),
            ("options", Self.optionSet("w.fdwoptions")),
        ]) + " FROM pg_catalog.pg_foreign_data_wrapper w")
        sections.append(row("pg_foreign_server", "s.oid", name: "s.srvname", owner: "s.srvowner", acl: "s.srvacl", [
            ("wrapper", "(SELECT fdwname FROM pg_catalog.pg_foreign_data_wrapper WHERE oid = s.srvfdw)"),
            ("type", "s.srvtype"), ("version", "s.srvversion"), ("options", Self.optionSet("s.srvoptions")),
        ]) + " FROM pg_catalog.pg_foreign_server s")
        // Without owners the options that look like credentials do not move (`UserMappingDefinition.looksSecret`).
        let moved = includeOwnership ? "true" : "o !~* '^[^=]*(pass|secret|token|key|credential)'"
        sections.append(row("pg_user_mapping", "m.umid", [
            ("options md5", "pg_catalog.md5(coalesce((SELECT pg_catalog.string_agg(o, ', ' ORDER BY o) "
                + "FROM pg_catalog.unnest(m.umoptions) o WHERE \(moved)), ''))"),
        ]) + " FROM pg_catalog.pg_user_mappings m")
        sections.append(row("pg_am", "a.oid", name: "a.amname", [("type", "a.amtype"), ("handler", function("a.amhandler"))])
            + " FROM pg_catalog.pg_am a WHERE a.oid >= 16384")
        sections.append(row("pg_event_trigger", "e.oid", name: "e.evtname", owner: "e.evtowner", [
            ("event", "e.evtevent"), ("tags", "e.evttags"), ("function", "e.evtfoid::pg_catalog.regprocedure"),
            ("enabled", "e.evtenabled"),
        ]) + " FROM pg_catalog.pg_event_trigger e")
        // Not the publications a follow run made for itself on the source (one per schema).
        let ours = "pg_catalog.pg_publication q WHERE q.pubname ~ \(SQL.literal("^" + ReplicationCleanup.defaultPrefix + "[0-9a-f]{16}(_[0-9]+)?$"))"
        sections.append(row("pg_publication", "p.oid", name: "p.pubname", owner: "p.pubowner", [
            ("all tables", "p.puballtables"),
            ("publish", "pg_catalog.concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END, "
                + "CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END)"),
            ("via partition root", version >= 130000 ? "p.pubviaroot" : "NULL"),
        ]) + " FROM pg_catalog.pg_publication p WHERE p.oid NOT IN (SELECT q.oid FROM \(ours))")
        if version >= 150000 {
            sections.append(row("pg_publication_rel", "r.oid", [
                ("row filter", "pg_catalog.pg_get_expr(r.prqual, r.prrelid)"), ("columns", "r.prattrs::text"),
            ]) + " FROM pg_catalog.pg_publication_rel r WHERE r.prpubid NOT IN (SELECT q.oid FROM \(ours))")
            sections.append(row("pg_publication_namespace", "n.oid", [])
                + " FROM pg_catalog.pg_publication_namespace n WHERE n.pnpubid NOT IN (SELECT q.oid FROM \(ours))")
        } else {
            sections.append(row("pg_publication_rel", "r.oid", [])
                + " FROM pg_catalog.pg_publication_rel r WHERE r.prpubid NOT IN (SELECT q.oid FROM \(ours))")
        }
        // Default privileges are privileges: compared (and recreated) only with owners.
        if includeOwnership {
            sections.append(row("pg_default_acl", "d.oid", acl: "d.defaclacl", []) + " FROM pg_catalog.pg_default_acl d WHERE d.defaclnamespace = 0")
        }
        return sections
    }
}
