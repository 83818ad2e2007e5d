import FerryCore
import PGClient

/// What `pg_dump` without `-n` carries outside the schemas: read for a whole-database move only.
/// Objects an extension made come back with it and are left out, as pg_dump leaves them.
extension CatalogReader {
    func readDatabaseWide() async throws -> DatabaseWide {
        var database = DatabaseWide()
        database.languages = try await readLanguages()
        database.foreignDataWrappers = try await readForeignDataWrappers()
        database.foreignServers = try await readForeignServers()
        database.userMappings = try await connection.query("""
            SELECT m.srvname, m.usename, coalesce(m.umoptions, '{}')::text[] AS options
            FROM pg_catalog.pg_user_mappings m
            WHERE \(unescaped: notExtensionMember("m.srvid", "pg_foreign_server")) ORDER BY 1, 2
            """).rows.map { try UserMappingDefinition(server: $0.string("srvname"), user: $0.string("usename"), options: $0.array("options")) }
        database.accessMethods = try await connection.query("""
            SELECT a.amname, CASE a.amtype WHEN 'i' THEN 'INDEX' ELSE 'TABLE' END AS type,
                   \(unescaped: Self.functionName("a.amhandler")) AS handler, pg_catalog.obj_description(a.oid, 'pg_am') AS comment
            FROM pg_catalog.pg_am a WHERE a.oid >= 16384 AND \(unescaped: notExtensionMember("a.oid", "pg_am")) ORDER BY 1
            """).rows.map {
                try AccessMethod(name: $0.string("amname"), type: $0.string("type"), handler: $0.string("handler"),
                                 comment: $0.optionalString("comment"))
            }
        database.eventTriggers = try await connection.query("""
            SELECT t.evtname, t.evtevent, coalesce(t.evttags, '{}')::text[] AS tags, \(unescaped: Self.functionName("t.evtfoid")) AS function,
                   t.evtenabled::text AS enabled, pg_catalog.obj_description(t.oid, 'pg_event_trigger') AS comment,
                   pg_catalog.pg_get_userbyid(t.evtowner) AS owner
            FROM pg_catalog.pg_event_trigger t WHERE \(unescaped: notExtensionMember("t.oid", "pg_event_trigger")) ORDER BY 1
            """).rows.map {
                try EventTrigger(name: $0.string("evtname"), event: $0.string("evtevent"), tags: $0.array("tags"),
                                 function: $0.string("function"), enabled: $0.string("enabled"), comment: $0.optionalString("comment"),
                                 owner: $0.string("owner"))
            }
        database.publications = try await readPublications()
        database.subscriptions = try await connection.query("""
            SELECT s.subname FROM pg_catalog.pg_subscription s JOIN pg_catalog.pg_database d ON d.oid = s.subdbid
            WHERE d.datname = pg_catalog.current_database() ORDER BY 1
            """).rows.map { try $0.string("subname") }
        try await readDatabaseProperties(into: &database)
        database.defaultPrivileges = try await readGlobalDefaultPrivileges()
        database.extensionConfigurations = try await readExtensionConfigurations()
        return database
    }

    /// The database's comment and `ALTER DATABASE … SET` settings, and the roles' settings in it.
    func readDatabaseProperties(into database: inout DatabaseWide) async throws {
        let row = try await connection.query("""
            SELECT pg_catalog.shobj_description(d.oid, 'pg_database') AS comment,
                   coalesce((SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s WHERE s.setdatabase = d.oid AND s.setrole = 0),
                            '{}')::text[] AS settings
            FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()
            """).rows[0]
        database.comment = try row.optionalString("comment")
        database.settings = try row.array("settings")
        for setting in try await connection.query("""
            SELECT pg_catalog.pg_get_userbyid(s.setrole) AS role, s.setconfig::text[] AS settings
            FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
            WHERE d.datname = pg_catalog.current_database() AND s.setrole <> 0
            """).rows {
            database.roleSettings[try setting.string("role")] = try setting.array("settings")
        }
    }

    /// The configuration tables and sequences of the extensions the run creates (in any schema,
    /// not initdb's), in the order the extensions declared them.
    private func readExtensionConfigurations() async throws -> [ExtensionConfiguration] {
        try await connection.query("""
            SELECT e.extname, n.nspname, c.relname, c.relkind = 'S' AS is_sequence, coalesce(x.condition, '') AS condition,
                   ARRAY(SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                         AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum)::text[] AS columns
            FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace en ON en.oid = e.extnamespace
            CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(e.extconfig), pg_catalog.unnest(e.extcondition))
                 WITH ORDINALITY x(config, condition, position)
            JOIN pg_catalog.pg_class c ON c.oid = x.config JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE (en.nspname = ANY(\(schemas)) OR e.oid >= 16384) ORDER BY e.oid, x.position
            """).rows.map {
                try ExtensionConfiguration(extensionName: $0.string("extname"), table: QualifiedName($0.string("nspname"), $0.string("relname")),
                                           condition: $0.string("condition"), columns: $0.array("columns"),
                                           isSequence: $0.bool("is_sequence"))
            }
    }

    /// `schema.function` quoted, for the function `oid` (NULL for 0).
    static func functionName(_ oid: String) -> String {
        """
        (SELECT pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(fp.proname)
         FROM pg_catalog.pg_proc fp JOIN pg_catalog.pg_namespace fn ON fn.oid = fp.pronamespace WHERE fp.oid = \(oid))
        """
    }

    private func readLanguages() async throws -> [ProceduralLanguage] {
        let rows = try await connection.query("""
            SELECT l.oid, l.lanname, l.lanpltrusted,
                   ARRAY(SELECT f FROM pg_catalog.unnest(ARRAY[l.lanplcallfoid, l.laninline, l.lanvalidator]) f WHERE f <> 0)::text[]
                       AS support,
                   ARRAY(SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.prolang = l.oid)::text[] AS routines,
                   \(unescaped: Self.functionName("l.lanplcallfoid")) AS handler,
                   \(unescaped: Self.functionName("l.laninline")) AS inline, \(unescaped: Self.functionName("l.lanvalidator")) AS validator,
                   pg_catalog.obj_description(l.oid, 'pg_language') AS comment, pg_catalog.pg_get_userbyid(l.lanowner) AS owner,
                   l.lanacl::text AS acl
            FROM pg_catalog.pg_language l
            WHERE l.lanispl AND l.oid >= 16384 AND \(unescaped: notExtensionMember("l.oid", "pg_language")) ORDER BY l.lanname
            """).rows
        var languages: [ProceduralLanguage] = []
        for row in rows {
            var language = try await ProceduralLanguage(
                oid: row.oid("oid"), name: row.string("lanname"), trusted: row.bool("lanpltrusted"), handler: row.optionalString("handler"),
                inline: row.optionalString("inline"), validator: row.optionalString("validator"),
                comment: row.optionalString("comment"), ownership: readOwnership(row))
            language.supportFunctions = try row.array("support").compactMap { UInt32($0) }
            language.routines = try row.array("routines").compactMap { UInt32($0) }
            languages.append(language)
        }
        return languages
    }

    private func readForeignDataWrappers() async throws -> [ForeignDataWrapper] {
        let rows = try await connection.query("""
            SELECT w.fdwname, \(unescaped: Self.functionName("w.fdwhandler")) AS handler,
                   \(unescaped: Self.functionName("w.fdwvalidator")) AS validator, coalesce(w.fdwoptions, '{}')::text[] AS options,
                   pg_catalog.obj_description(w.oid, 'pg_foreign_data_wrapper') AS comment,
                   pg_catalog.pg_get_userbyid(w.fdwowner) AS owner, w.fdwacl::text AS acl
            FROM pg_catalog.pg_foreign_data_wrapper w
            WHERE \(unescaped: notExtensionMember("w.oid", "pg_foreign_data_wrapper")) ORDER BY 1
            """).rows
        var wrappers: [ForeignDataWrapper] = []
        for row in rows {
            wrappers.append(try await ForeignDataWrapper(
                name: row.string("fdwname"), handler: row.optionalString("handler"), validator: row.optionalString("validator"),
                options: row.array("options"), comment: row.optionalString("comment"), ownership: readOwnership(row)))
        }
        return wrappers
    }

    private func readForeignServers() async throws -> [ForeignServer] {
        let rows = try await connection.query("""
            SELECT s.srvname, w.fdwname, s.srvtype, s.srvversion, coalesce(s.srvoptions, '{}')::text[] AS options,
                   pg_catalog.obj_description(s.oid, 'pg_foreign_server') AS comment,
                   pg_catalog.pg_get_userbyid(s.srvowner) AS owner, s.srvacl::text AS acl
            FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
            WHERE \(unescaped: notExtensionMember("s.oid", "pg_foreign_server")) ORDER BY 1
            """).rows
        var servers: [ForeignServer] = []
        for row in rows {
            servers.append(try await ForeignServer(
                name: row.string("srvname"), wrapper: row.string("fdwname"), type: row.optionalString("srvtype"),
                version: row.optionalString("srvversion"), options: row.array("options"), comment: row.optionalString("comment"),
                ownership: readOwnership(row)))
        }
        return servers
    }

    /// Publications with their tables (column lists and row filters on 15+) and schemas (15+);
    /// not those a follow run made for itself (`pgferry_` and 16 hex digits, `_n` per schema).
    private func readPublications() async throws -> [Publication] {
        let viaRoot = version >= 130000 ? "p.pubviaroot" : "false"
        let rows = try await connection.query("""
            SELECT p.oid, p.pubname, p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate,
                   \(unescaped: viaRoot) AS viaroot, pg_catalog.obj_description(p.oid, 'pg_publication') AS comment,
                   pg_catalog.pg_get_userbyid(p.pubowner) AS owner
            FROM pg_catalog.pg_publication p WHERE p.pubname !~ ('^' || \(ReplicationCleanup.defaultPrefix) || '[0-9a-f]{16}(_[0-9]+)?$')
            ORDER BY p.pubname
            """).rows
        let filter = version >= 150000 ? "pg_catalog.pg_get_expr(r.prqual, r.prrelid)" : "NULL"
        let columns = version >= 150000 ? """
            (SELECT pg_catalog.array_agg(a.attname ORDER BY a.attnum)::text[] FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = r.prrelid AND a.attnum = ANY(r.prattrs::int2[]))
            """ : "NULL::text[]"
        let members = try await connection.query("""
            SELECT r.prpubid, n.nspname, c.relname, \(unescaped: filter) AS filter, \(unescaped: columns) AS columns
            FROM pg_catalog.pg_publication_rel r JOIN pg_catalog.pg_class c ON c.oid = r.prrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(\(schemas)) ORDER BY 2, 3
            """).rows
        let inSchemas = version >= 150000 ? try await connection.query("""
            SELECT pn.pnpubid, n.nspname FROM pg_catalog.pg_publication_namespace pn
            JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid WHERE n.nspname = ANY(\(schemas)) ORDER BY 2
            """).rows : []
        return try rows.map { row in
            let oid = try row.oid("oid")
            let publish = try [("insert", "pubinsert"), ("update", "pubupdate"), ("delete", "pubdelete"), ("truncate", "pubtruncate")]
                .filter { try row.bool($0.1) }.map(\.0)
            return try Publication(
                name: row.string("pubname"), allTables: row.bool("puballtables"), publish: publish, viaPartitionRoot: row.bool("viaroot"),
                tables: members.filter { try $0.oid("prpubid") == oid }.map {
                    try Publication.Member(table: QualifiedName($0.string("nspname"), $0.string("relname")),
                                           columns: $0.optionalArray("columns"), filter: $0.optionalString("filter"))
                },
                schemas: inSchemas.filter { try $0.oid("pnpubid") == oid }.map { try $0.string("nspname") },
                comment: row.optionalString("comment"), owner: row.string("owner"))
        }
    }

    /// Default privileges that name no schema replace the built-in ones (`acldefault`): what they
    /// add is granted, what they take away is revoked. Read with ownership only, as pg_dump
    /// leaves them out with `--no-privileges`.
    private func readGlobalDefaultPrivileges() async throws -> [GlobalDefaultPrivileges] {
        guard includeOwnership else { return [] }
        let rows = try await connection.query("""
            WITH acl AS (
                SELECT d.defaclobjtype::text AS type, d.defaclrole, d.defaclacl AS granted,
                       pg_catalog.acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END, d.defaclrole) AS builtin
                FROM pg_catalog.pg_default_acl d WHERE d.defaclnamespace = 0),
            changes AS (
                SELECT a.type, a.defaclrole, true AS grants, x.grantee, x.privilege_type, x.is_grantable
                FROM acl a, pg_catalog.aclexplode(a.granted) x
                WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(a.builtin) b WHERE b.grantee = x.grantee
                                  AND b.privilege_type = x.privilege_type AND b.is_grantable = x.is_grantable)
                UNION ALL
                SELECT a.type, a.defaclrole, false, x.grantee, x.privilege_type, x.is_grantable
                FROM acl a, pg_catalog.aclexplode(a.builtin) x
                WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(a.granted) g WHERE g.grantee = x.grantee
                                  AND g.privilege_type = x.privilege_type))
            SELECT type, pg_catalog.pg_get_userbyid(defaclrole) AS role, grants,
                   CASE WHEN grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(grantee) END AS grantee, privilege_type, is_grantable
            FROM changes ORDER BY 2, 1, 3, 4, 5
            """).rows
        var privileges: [GlobalDefaultPrivileges] = []
        for row in rows {
            let type = try row.string("type"), role = try row.string("role")
            let grant = try Grant(grantee: row.string("grantee"), privilege: row.string("privilege_type"), grantable: row.bool("is_grantable"))
            if privileges.last?.objectType != type || privileges.last?.role != role {
                privileges.append(GlobalDefaultPrivileges(objectType: type, role: role, grants: [], revokes: []))
            }
            if try row.bool("grants") { privileges[privileges.count - 1].grants.append(grant) }
            else { privileges[privileges.count - 1].revokes.append(grant) }
        }
        return privileges
    }
}
