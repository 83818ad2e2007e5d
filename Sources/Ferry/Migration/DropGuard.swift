import Logging

/// Drops the migrated schemas on the target, which every run does before it recreates them.
///
/// `DROP SCHEMA … CASCADE` also drops what other schemas built on the schema — a view reading
/// its table, a foreign key to it, a column or a function using its type, a trigger calling its
/// function, a partition or inheritance child — and pgferry recreates none of those. So the guard
/// names them first and refuses unless the request allows it (`dropDependents`). The DROP waits
/// for other sessions' locks at most `lockTimeout`, then the run fails naming those sessions.
struct DropGuard {
    let target: PGConnection
    let schemas: [String]
    let dropDependents: Bool
    let lockTimeout: Duration
    let logger: Logger
    /// Catalogs whose objects the run recreates itself (a whole-database move's languages, casts,
    /// servers, publications…): dropping one with the schemas is no loss. Some are missing on
    /// older servers (`pg_publication_namespace` before 15).
    let recreatedCatalogs: [String]

    /// Objects named in the refusal; the rest are counted.
    static let listed = 20

    init(target: PGConnection, schemas: [String], request: MigrationRequest, logger: Logger = Logger(label: "pgferry")) {
        self.target = target
        self.schemas = schemas
        self.dropDependents = request.dropDependents
        self.lockTimeout = request.dropLockTimeout
        self.logger = logger
        recreatedCatalogs = request.wholeDatabase ? Self.databaseWideCatalogs : []
    }

    static let databaseWideCatalogs = ["pg_language", "pg_cast", "pg_transform", "pg_foreign_data_wrapper", "pg_foreign_server",
                                       "pg_user_mapping", "pg_am", "pg_event_trigger", "pg_publication", "pg_publication_rel",
                                       "pg_publication_namespace", "pg_default_acl"]

    /// Runs inside the pre-data transaction, so a refusal or a failure leaves the target as it was.
    func dropSchemas() async throws {
        let dependents = try await dependents()
        if !dependents.isEmpty {
            guard dropDependents else { throw refusal(dependents) }
            for dependent in dependents {
                logger.warning("dropping on the target, with schema \(schemaList): \(dependent)")
            }
        }
        // SET LOCAL inside the savepoint bounds the DROP alone; the savepoint keeps the
        // transaction usable after a timeout, to ask who holds the locks.
        try await target.execute("SAVEPOINT pgferry_drop; SET LOCAL lock_timeout = \(SessionSettings.milliseconds(lockTimeout))")
        do {
            for schema in schemas {
                try await target.execute("DROP SCHEMA IF EXISTS \(SQL.identifier(schema)) CASCADE")
            }
        } catch let error as PGError where error.sqlState == "55P03" {
            try await target.execute("ROLLBACK TO SAVEPOINT pgferry_drop")
            throw try await lockTimeoutError()
        }
        try await target.execute("RELEASE SAVEPOINT pgferry_drop; SET LOCAL lock_timeout = 0")
    }

    /// One line per object outside the schemas that depends on one inside, with what it uses.
    func dependents() async throws -> [String] {
        try await target.query("""
            WITH members (classid, objid) AS (\(Self.members(of: schemas)))
            SELECT o.label, pg_catalog.string_agg(DISTINCT pg_catalog.pg_describe_object(d.refclassid, d.refobjid, 0), ', ') AS uses
            FROM members m
            JOIN pg_catalog.pg_depend d ON d.refclassid = m.classid AND d.refobjid = m.objid AND d.deptype IN ('n', 'a')
            -- Parts of an object (a default, a rule, a trigger, a policy, an operator family's
            -- operator or function) are inside when the object they belong to is.
            LEFT JOIN pg_catalog.pg_attrdef ad ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND ad.oid = d.objid
            LEFT JOIN pg_catalog.pg_rewrite rw ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = d.objid
            LEFT JOIN pg_catalog.pg_trigger tg ON d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND tg.oid = d.objid
            LEFT JOIN pg_catalog.pg_policy po ON d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND po.oid = d.objid
            LEFT JOIN pg_catalog.pg_amop ao ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND ao.oid = d.objid
            LEFT JOIN pg_catalog.pg_amproc ap ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND ap.oid = d.objid
            CROSS JOIN LATERAL (SELECT CASE
                    WHEN coalesce(ad.adrelid, rw.ev_class, tg.tgrelid, po.polrelid) IS NOT NULL
                    THEN 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid
                    WHEN coalesce(ao.amopfamily, ap.amprocfamily) IS NOT NULL
                    THEN 'pg_catalog.pg_opfamily'::pg_catalog.regclass::pg_catalog.oid
                    ELSE d.classid END AS classid,
                coalesce(ad.adrelid, rw.ev_class, tg.tgrelid, po.polrelid, ao.amopfamily, ap.amprocfamily, d.objid) AS objid) owner
            LEFT JOIN members inside ON inside.classid = owner.classid AND inside.objid = owner.objid
            -- Members of an extension of the schema (its casts, say) go and come back with it.
            LEFT JOIN pg_catalog.pg_depend member ON member.classid = owner.classid AND member.objid = owner.objid
                 AND member.deptype = 'e'
            LEFT JOIN members extension ON extension.classid = member.refclassid AND extension.objid = member.refobjid
            -- A view is its _RETURN rule: name the view.
            CROSS JOIN LATERAL (SELECT CASE WHEN rw.rulename = '_RETURN'
                    THEN pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, rw.ev_class, 0)
                    ELSE pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) END AS label) o
            WHERE inside.objid IS NULL AND extension.objid IS NULL
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(\(recreatedCatalogs.map { "pg_catalog.\($0)" })::text[]) c
                              WHERE pg_catalog.to_regclass(c) = owner.classid)
            GROUP BY o.label ORDER BY o.label
            """).rows.map { try "\($0.string("label")) (uses \($0.string("uses")))" }
    }

    /// Every object that lives in the schemas, as `pg_depend` names it.
    static func members(of schemas: [String]) -> PGQuery {
        [
            ("pg_class", "relnamespace"), ("pg_type", "typnamespace"), ("pg_proc", "pronamespace"),
            ("pg_operator", "oprnamespace"), ("pg_collation", "collnamespace"), ("pg_constraint", "connamespace"),
            ("pg_conversion", "connamespace"), ("pg_opclass", "opcnamespace"), ("pg_opfamily", "opfnamespace"),
            ("pg_statistic_ext", "stxnamespace"), ("pg_ts_config", "cfgnamespace"), ("pg_ts_dict", "dictnamespace"),
            ("pg_ts_parser", "prsnamespace"), ("pg_ts_template", "tmplnamespace"), ("pg_extension", "extnamespace"),
        ].map { catalog, namespace -> PGQuery in
            """
            SELECT 'pg_catalog.\(unescaped: catalog)'::pg_catalog.regclass::pg_catalog.oid, oid FROM pg_catalog.\(unescaped: catalog)
            WHERE \(unescaped: namespace) IN (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY(\(schemas)))
            """
        }.joined(separator: "\nUNION ALL ")
    }

    private var schemaList: String { schemas.map(SQL.identifier).joined(separator: ", ") }

    private func refusal(_ dependents: [String]) -> FerryError {
        let more = dependents.count > Self.listed ? "; and \(dependents.count - Self.listed) more" : ""
        return FerryError("DROP SCHEMA \(schemaList) CASCADE on the target would also drop \(dependents.count) "
            + "object\(dependents.count == 1 ? "" : "s") outside the migrated schema\(schemas.count == 1 ? "" : "s") that "
            + "depend on \(schemas.count == 1 ? "it" : "them"), which pgferry does not recreate: " + dependents.prefix(Self.listed).joined(separator: "; ") + more
            + ". Drop or change them on the target first (and recreate them after the migration), "
            + "or rerun with --drop-dependents (MigrationRequest.dropDependents) to let the DROP take them")
    }

    private func lockTimeoutError() async throws -> FerryError {
        let sessions = try await LockConflict.sessions(on: target, matching: """
            (l.locktype = 'relation' AND ('pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, l.relation)
                 IN (SELECT * FROM (\(Self.members(of: schemas))) m))
            OR (l.locktype = 'object' AND (l.classid, l.objid) IN (SELECT * FROM (\(Self.members(of: schemas))) m))
            OR (l.locktype = 'object' AND l.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                AND l.objid IN (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY(\(schemas))))
            """)
        let holders = sessions.isEmpty
            ? "other sessions held locks on its objects (they have ended since)"
            : "other sessions hold locks on its objects: " + LockConflict.describe(sessions)
        return FerryError("DROP SCHEMA \(schemaList) on the target waited \(lockTimeout) for locks "
            + "and gave up: \(holders). Let them commit or roll back (or end them with SELECT pg_terminate_backend(pid)), "
            + "then rerun pgferry", sqlState: "55P03")
    }
}
