import FerryCore
import PGClient

/// Reads roles and their memberships from a cluster's catalogs (`pg_roles`, `pg_auth_members`,
/// `pg_db_role_setting`; `pg_authid` for passwords).
enum RoleReader {
    /// Predefined roles (`pg_read_all_data` …) exist in every cluster: granted, never created.
    static func isPredefined(_ role: String) -> Bool { role.hasPrefix("pg_") }

    /// The roles `named` and every role they are members of, with the memberships among them.
    static func closure(of named: [String], on connection: PGConnection, passwords: Bool) async throws -> ClusterRoles {
        let memberships = try await readMemberships(on: connection)
        let memberOf = Dictionary(grouping: memberships, by: \.member).mapValues { $0.map(\.role) }
        let names = ClusterRoles.closure(of: named, memberOf: memberOf)
        return try await read(names, memberships: memberships, on: connection, passwords: passwords)
    }

    /// Exactly the roles `names` that exist, with the memberships among them.
    static func read(_ names: [String], on connection: PGConnection) async throws -> ClusterRoles {
        try await read(names, memberships: readMemberships(on: connection), on: connection, passwords: false)
    }

    private static func read(_ names: [String], memberships: [RoleMembership], on connection: PGConnection,
                             passwords: Bool) async throws -> ClusterRoles {
        var roles = try await connection.query("""
            SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
                   r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil::text AS valid_until,
                   (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0) AS settings
            FROM pg_catalog.pg_roles r WHERE r.rolname = ANY(\(names)) AND NOT pg_catalog.starts_with(r.rolname, 'pg_')
            ORDER BY 1
            """).rows.map { row in
            var role = Role(name: try row.string("rolname"))
            role.superuser = try row.bool("rolsuper")
            role.inherit = try row.bool("rolinherit")
            role.createRole = try row.bool("rolcreaterole")
            role.createDatabase = try row.bool("rolcreatedb")
            role.login = try row.bool("rolcanlogin")
            role.replication = try row.bool("rolreplication")
            role.bypassRLS = try row.bool("rolbypassrls")
            role.connectionLimit = try row.int("rolconnlimit")
            role.validUntil = try row.optionalString("valid_until")
            role.settings = try row.optionalArray("settings") ?? []
            return role
        }
        if passwords {
            let hashes: [String: String]
            do {
                hashes = try await Dictionary(uniqueKeysWithValues: connection.query("""
                    SELECT rolname, rolpassword FROM pg_catalog.pg_authid WHERE rolname = ANY(\(names)) AND rolpassword IS NOT NULL
                    """).rows.map { (try $0.string("rolname"), try $0.string("rolpassword")) })
            } catch let error as PGError where error.sqlState == "42501" {
                throw FerryError("--role-passwords needs a source role that can read pg_catalog.pg_authid (a superuser); "
                    + "connect as one, or leave --role-passwords out and set the passwords on the target yourself")
            }
            for index in roles.indices {
                // Only hashes move; a server keeps nothing else since PostgreSQL 10.
                guard let hash = hashes[roles[index].name], hash.hasPrefix("SCRAM-SHA-256$") || hash.hasPrefix("md5") else { continue }
                roles[index].passwordHash = hash
            }
        }
        let set = Set(names)
        return ClusterRoles(roles: roles, memberships: memberships.filter { set.contains($0.role) && set.contains($0.member) })
    }

    /// Every membership of the cluster (a few rows): INHERIT and SET are per membership since 16.
    private static func readMemberships(on connection: PGConnection) async throws -> [RoleMembership] {
        let options = connection.serverVersion >= 160000
            ? "m.inherit_option, m.set_option" : "r.rolinherit AS inherit_option, true AS set_option"
        return try await connection.query("""
            SELECT g.rolname AS role, r.rolname AS member, m.admin_option, \(unescaped: options)
            FROM pg_catalog.pg_auth_members m
            JOIN pg_catalog.pg_roles g ON g.oid = m.roleid JOIN pg_catalog.pg_roles r ON r.oid = m.member
            ORDER BY 1, 2
            """).rows.map {
            try RoleMembership(role: $0.string("role"), member: $0.string("member"), admin: $0.bool("admin_option"),
                               inherit: $0.bool("inherit_option"), set: $0.bool("set_option"))
        }
    }
}

extension RoleReader {
    /// The roles the schemas name (as a run with `--roles` would create them) and the roles
    /// they are members of, read on both sides as compare objects.
    static func inventories(schemas: [String], includeOwnership: Bool, largeObjects: Bool, wholeDatabase: Bool,
                            source: PGConnection, target: PGConnection) async throws -> (source: [InventoryObject], target: [InventoryObject]) {
        let reader = CatalogReader(connection: source, schemas: schemas, includeOwnership: includeOwnership,
                                   wholeDatabase: wholeDatabase)
        try await source.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        let catalog = try await reader.read(reader.relations())
        let named = catalog.rolesNamed(includingOwnership: includeOwnership, largeObjects: largeObjects)
        let wanted = try await closure(of: named, on: source, passwords: false)
        try await source.execute("COMMIT")
        let present = try await read(wanted.roles.map(\.name), on: target)
        let options = source.serverVersion >= 160000 && target.serverVersion >= 160000
        return (wanted.inventoryObjects(membershipOptions: options), present.inventoryObjects(membershipOptions: options))
    }
}
