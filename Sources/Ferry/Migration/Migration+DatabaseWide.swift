import FerryCore
import PGClient

/// The end of a whole-database move: publications, the database's comment and settings, the
/// roles' settings in it, and the event triggers last (none fires during the run).
extension Migration {
    /// A whole-database move never drops a schema the source lacks: each one the target has is named.
    static func targetOnlySchemas(_ plan: MigrationPlan, on target: PGConnection) async throws -> [String] {
        guard plan.database != nil else { return [] }
        return try await target.query("""
            SELECT n.nspname FROM pg_catalog.pg_namespace n
            WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND n.nspname <> ALL(\(plan.schemas))
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                              AND d.objid = n.oid AND d.deptype = 'e')
            ORDER BY 1
            """).rows.map { "whole database: schema \(SQL.display(try $0.string("nspname"))) is on the target only: left as it is" }
    }

    /// - Returns: the roles whose settings in the database were left out (the target has no such role).
    func finishDatabase(_ plan: MigrationPlan, on target: PGConnection) async throws -> [String] {
        guard let database = plan.database else { return [] }
        try await Self.run(plan.ddl.database.postData, on: target)
        let name = try await target.query("SELECT pg_catalog.current_database() AS name").rows[0].string("name")
        let roles = database.roleSettings.keys.sorted()
        let existing = Set(try await target.query("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY(\(roles))").rows
            .map { try $0.string("rolname") })
        try await Self.run(DDLRenderer().settingStatements(database, in: name, existingRoles: existing), on: target)
        try await Self.run(plan.ddl.database.last, on: target)
        return roles.filter { !existing.contains($0) }
    }
}
