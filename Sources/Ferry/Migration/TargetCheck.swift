import FerryCore
import PGClient

/// What the target must offer before anything is written: the features of its version that the
/// schema uses, ICU, the roles the DDL names, the schema's extensions, the objects outside the
/// schema that objects inside need, and the compiled code of its C and internal functions. Every
/// problem is listed in one error, so a user fixes them in one go instead of discovering them one
/// failed run at a time.
struct TargetCheck {
    let target: PGConnection
    let plan: MigrationPlan

    /// - Returns: the target's lock table, which sizes the data phase's groups too.
    func run() async throws -> LockTableBudget {
        var problems = plan.unsupported.map { "\($0) (the target runs \(target.serverVersion / 10000))" }
        problems += try await icu() + roles() + extensions() + prerequisites() + userMappings() + nativeCode()
        let lockTable = try await LockTableCheck.budget(on: target)
        problems += try await superuser() + preDataLocks(lockTable)
        guard problems.isEmpty else {
            throw FerryError("the target cannot take this schema: " + problems.joined(separator: "; "))
        }
        return lockTable
    }

    private func icu() async throws -> [String] {
        guard !plan.icuCollations.isEmpty else { return [] }
        // An ICU build imports the *-x-icu collations at initdb; pg_collation's `unicode` (16+) exists either way.
        let icu = try await target.query("""
            SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collprovider = 'i' AND collname LIKE '%-x-icu') AS icu
            """).rows[0].bool("icu")
        return icu ? [] : ["ICU collations (\(plan.icuCollations.joined(separator: ", "))) need a server built with ICU; the target is not"]
    }

    private func roles() async throws -> [String] {
        guard !plan.roles.isEmpty else { return [] }
        let existing = Set(try await target.query("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY(\(plan.roles))").rows.map { try $0.string("rolname") })
        let missing = plan.roles.filter { !existing.contains($0) }
        guard !missing.isEmpty else { return [] }
        return ["roles that the schema names (in policies, or as owners and grantees) do not exist on the target: "
            + missing.map(SQL.identifier).joined(separator: ", ") + " (roles are global: create them first)"]
    }

    /// An extension of a migrated schema is dropped with it and created again, so the target
    /// must have it available and must not hold it in another schema.
    private func extensions() async throws -> [String] {
        var problems: [String] = []
        for wanted in plan.extensions {
            let row = try await target.query("""
                SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = \(wanted.name)) AS available,
                       (SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                        WHERE e.extname = \(wanted.name)) AS installed_in
                """).rows[0]
            if try !row.bool("available") {
                problems.append("extension \(wanted.name) (in schema \(wanted.schema)) is not available on the target server")
            } else if let schema = try row.optionalString("installed_in"), schema != wanted.schema, !plan.schemas.contains(schema) {
                problems.append("extension \(wanted.name) is installed in schema \(schema) on the target but in \(wanted.schema) "
                    + "on the source: move it (ALTER EXTENSION \(SQL.identifier(wanted.name)) SET SCHEMA "
                    + "\(SQL.identifier(wanted.schema))) or drop it on the target")
            }
        }
        return problems
    }

    /// The pre-data transaction drops the schemas (locking everything in them) and creates the
    /// tables the data phase's groups do not: all of it must fit in the target's lock table.
    private func preDataLocks(_ lockTable: LockTableBudget) async throws -> [String] {
        let dropped = try await target.query("""
            WITH members (classid, objid) AS (\(DropGuard.members(of: plan.schemas))) SELECT count(*) AS n FROM members
            """).rows[0].int("n")
        let created = plan.tables.count - plan.ddl.tableCreation.count
        let locks = LockTableBudget.targetPreDataLocks(droppedObjects: dropped, createdTables: created,
                                                       otherRelations: max(0, plan.ddl.preData.count - created))
        let what = "its pre-data transaction drops \(dropped) objects of the schema and creates \(created) tables"
        return lockTable.refusal(locks: locks, side: FerryError.Side.target.rawValue, what: what).map { [$0] } ?? []
    }

    /// Text search parsers and templates are made of C functions: only a superuser creates them
    /// (as when restoring pg_dump's output).
    private func superuser() async throws -> [String] {
        guard !plan.superuserObjects.isEmpty else { return [] }
        let row = try await target.query("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user").rows[0]
        return try row.bool("rolsuper") ? [] : [
            "only a superuser can create \(plan.superuserObjects.joined(separator: ", ")), and the target's user is not one "
                + "(connect to the target as a superuser, or drop them from the source schema)",
        ]
    }

    /// Foreign tables are read through their server's user mappings: database objects, like the
    /// server, which neither pg_dump -n nor pgferry creates.
    private func userMappings() async throws -> [String] {
        guard !plan.userMappings.isEmpty else { return [] }
        let existing = Set(try await target.query("SELECT srvname, usename FROM pg_catalog.pg_user_mappings").rows.map {
            try UserMapping(server: $0.string("srvname"), user: $0.string("usename"))
        })
        return plan.userMappings.filter { !existing.contains($0) }.map {
            "the schema's foreign tables need \($0), which the target lacks: CREATE USER MAPPING FOR "
                + "\($0.user == "public" ? "PUBLIC" : SQL.identifier($0.user)) SERVER \(SQL.identifier($0.server)) OPTIONS (…)"
        }
    }

    /// Each library symbol or built-in function is probed the way CREATE FUNCTION validates it, in
    /// a transaction rolled back: the target keeps nothing, and a missing library, symbol or
    /// permission shows here instead of halfway through pre-data.
    private func nativeCode() async throws -> [String] {
        var problems: [String] = []
        for (code, functions) in plan.nativeCode.sorted(by: { $0.key.description < $1.key.description }) {
            let body = ([code.library, code.symbol] as [String?]).compactMap { $0.map(SQL.literal) }.joined(separator: ", ")
            try await target.execute("BEGIN")
            do {
                try await target.execute("""
                    CREATE FUNCTION pg_temp.pgferry_native_code_probe() RETURNS void LANGUAGE \(code.language) AS \(body)
                    """)
            } catch {
                let reason = (error as? PGError)?.message ?? "\(error)"
                let named = (functions.count == 1 ? "function " : "functions ") + functions.joined(separator: ", ")
                problems.append("\(named) need\(functions.count == 1 ? "s" : "") \(code), which the target cannot load "
                    + "(\(reason)): install it on the target server (C functions also need a superuser)")
            }
            try await target.execute("ROLLBACK")
        }
        return problems
    }

    /// One line per missing extension, whatever number of its objects the schema uses.
    private func prerequisites() async throws -> [String] {
        var missing: [Prerequisite] = []
        for prerequisite in plan.prerequisites {
            do {
                _ = try await target.query("SELECT pg_catalog.pg_get_object_address(\(prerequisite.type), \(prerequisite.names), \(prerequisite.arguments))")
            } catch {
                missing.append(prerequisite)
            }
        }
        return Dictionary(grouping: missing, by: \.extensionName).sorted { ($0.key ?? "") < ($1.key ?? "") }.map { extensionName, objects in
            let labels = objects.map(\.label).joined(separator: ", ")
            if let extensionName {
                return "the schema needs extension \(extensionName) (for \(labels)), which the target lacks: CREATE EXTENSION \(SQL.identifier(extensionName))"
            }
            // Servers are database objects that neither pg_dump -n nor pgferry creates.
            let servers = objects.contains { $0.type == "server" }
                ? ": create it (with its foreign-data wrapper and user mappings) on the target first" : ""
            return "the schema needs \(labels), which the target lacks\(servers)"
        }
    }
}
