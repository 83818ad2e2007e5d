import FerryCore
import PGClient

/// What `--roles` and `--create-prerequisites` make on the target before its check: the roles
/// the schema names (cluster-wide: created once, left as they are when present), and, for
/// `--create-prerequisites`, the extensions outside the schemas that objects inside need.
/// Runs before anything of the schema is written; what it creates stays if the run fails later,
/// as `pg_dumpall --globals-only` output would.
struct PrerequisiteCreation {
    let source: PGConnection
    let target: PGConnection
    let plan: MigrationPlan
    let request: MigrationRequest
    /// False: only say what would be created (`plan`).
    var apply = true

    /// - Returns: one note per role or extension created (or that would be), and per role
    ///   found different.
    func run() async throws -> [String] {
        var notes: [String] = []
        if request.roles || request.createPrerequisites { notes += try await createRoles() }
        if request.createPrerequisites { notes += try await createExtensions() }
        return notes
    }

    private func createRoles() async throws -> [String] {
        guard !plan.roles.isEmpty else { return [] }
        let wanted = try await RoleReader.closure(of: plan.roles, on: source, passwords: request.rolePasswords)
        let names = wanted.roles.map(\.name) + wanted.memberships.flatMap { [$0.role, $0.member] }
        let present = try await RoleReader.read(Array(Set(names)), on: target)
        let existing = Dictionary(uniqueKeysWithValues: present.roles.map { ($0.name, $0) })
        let notes = wanted.roles.compactMap { role -> String? in
            guard let there = existing[role.name] else { return nil }
            let differences = role.differences(fromTarget: there)
            return differences.isEmpty ? nil
                : "role \(SQL.display(role.name)) exists on the target and differs (left as it is): " + differences.joined(separator: ", ")
        }
        let missing = wanted.roles.filter { existing[$0.name] == nil }
        let absent = wanted.memberships.filter { membership in
            !present.memberships.contains { $0.role == membership.role && $0.member == membership.member }
        }
        guard !missing.isEmpty || !absent.isEmpty else { return notes }
        let created = missing.map { "role \(SQL.display($0.name)) (\($0.attributes.joined(separator: " ")))"
            + ($0.passwordHash == nil ? "" : " with its password hash") }
        let granted = absent.map { "role \(SQL.display($0.role)) to \(SQL.display($0.member))" }
        guard apply else {
            return notes + created.map { "--roles: would create \($0)" } + granted.map { "--roles: would grant \($0)" }
        }
        if let superuser = missing.first(where: \.superuser),
           try await !target.query("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user").rows[0].bool("rolsuper") {
            throw FerryError("role \(SQL.display(superuser.name)) is a superuser on the source; only a superuser of the target "
                + "can create it: connect to the target as one, or create the role there first")
        }
        let statements = wanted.creationStatements(missing: missing.map(\.name), absentMemberships: absent,
                                                   targetVersion: target.serverVersion)
        do {
            try await target.execute((["BEGIN"] + statements + ["COMMIT"]).joined(separator: ";\n"))
        } catch {
            _ = try? await target.execute("ROLLBACK")
            throw FerryError("creating the schema's roles on the target failed (a role needs CREATEROLE, and granting "
                + "a membership needs ADMIN on the role): \(error)")
        }
        return notes + created.map { "created \($0)" } + granted.map { "granted \($0)" }
    }

    /// The extensions the schema's prerequisites belong to, in the schema each has on the source
    /// (created if missing), when the target can install them; others are left to the target
    /// check, which names them.
    private func createExtensions() async throws -> [String] {
        let needed = Array(Set(plan.prerequisites.compactMap(\.extensionName))).sorted()
        guard !needed.isEmpty else { return [] }
        let onSource = try await source.query("""
            SELECT e.extname, n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = ANY(\(needed)) ORDER BY 1
            """).rows.map { (name: try $0.string("extname"), schema: try $0.string("nspname")) }
        var notes: [String] = []
        for wanted in onSource {
            let row = try await target.query("""
                SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = \(wanted.name)) AS available,
                       EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = \(wanted.name)) AS installed
                """).rows[0]
            guard try row.bool("available"), try !row.bool("installed") else { continue }
            let extensionNote = "extension \(wanted.name) in schema \(SQL.display(wanted.schema))"
            guard apply else {
                notes.append("--create-prerequisites: would create \(extensionNote)")
                continue
            }
            try await target.execute("""
                CREATE SCHEMA IF NOT EXISTS \(SQL.identifier(wanted.schema));
                CREATE EXTENSION IF NOT EXISTS \(SQL.identifier(wanted.name)) WITH SCHEMA \(SQL.identifier(wanted.schema))
                """)
            notes.append("created \(extensionNote)")
        }
        return notes
    }
}
