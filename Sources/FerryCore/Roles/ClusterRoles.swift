/// A role of the source cluster as `pg_roles` (and, for its password, `pg_authid`) records it:
/// what `--roles` creates on the target when it lacks it.
public struct Role: Sendable, Equatable {
    public var name: String
    public var superuser = false
    public var inherit = true
    public var createRole = false
    public var createDatabase = false
    public var login = false
    public var replication = false
    public var bypassRLS = false
    /// -1: no limit.
    public var connectionLimit = -1
    /// `rolvaliduntil` as text, nil for none.
    public var validUntil: String?
    /// Role-wide settings (`ALTER ROLE … SET`), as `pg_db_role_setting` stores them: `name=value`.
    public var settings: [String] = []
    /// The password's hash (`SCRAM-SHA-256$…` or `md5…`), only with `--role-passwords`.
    public var passwordHash: String?

    public init(name: String) { self.name = name }

    /// The attributes as `CREATE ROLE … WITH` spells them, in pg_dumpall's order.
    public var attributes: [String] {
        var words = [superuser ? "SUPERUSER" : "NOSUPERUSER", inherit ? "INHERIT" : "NOINHERIT",
                     createRole ? "CREATEROLE" : "NOCREATEROLE", createDatabase ? "CREATEDB" : "NOCREATEDB",
                     login ? "LOGIN" : "NOLOGIN", replication ? "REPLICATION" : "NOREPLICATION",
                     bypassRLS ? "BYPASSRLS" : "NOBYPASSRLS"]
        if connectionLimit != -1 { words.append("CONNECTION LIMIT \(connectionLimit)") }
        if let validUntil { words.append("VALID UNTIL \(SQL.literal(validUntil))") }
        return words
    }

    /// What differs between this role (the source's) and the target's of the same name, for
    /// people: `LOGIN on the source`, `NOLOGIN on the target`.
    public func differences(fromTarget target: Role) -> [String] {
        let source = Set(attributes + settings.map { "SET \($0)" })
        let other = Set(target.attributes + target.settings.map { "SET \($0)" })
        return source.subtracting(other).sorted().map { "\($0) on the source" }
            + other.subtracting(source).sorted().map { "\($0) on the target" }
    }
}

/// `GRANT role TO member`, with the options of `pg_auth_members` (INHERIT and SET are per
/// membership since PostgreSQL 16; before, INHERIT is the member's attribute and SET always true).
public struct RoleMembership: Sendable, Hashable {
    public var role: String
    public var member: String
    public var admin: Bool
    public var inherit: Bool
    public var set: Bool

    public init(role: String, member: String, admin: Bool, inherit: Bool, set: Bool) {
        self.role = role
        self.member = member
        self.admin = admin
        self.inherit = inherit
        self.set = set
    }
}

/// The roles a migration names and the memberships among them, read from the source cluster.
public struct ClusterRoles: Sendable, Equatable {
    public var roles: [Role]
    public var memberships: [RoleMembership]

    public init(roles: [Role], memberships: [RoleMembership]) {
        self.roles = roles
        self.memberships = memberships
    }

    /// `named` and every role they are members of, directly or not (a member's privileges come
    /// through them), given each role's direct memberships.
    public static func closure(of named: [String], memberOf: [String: [String]]) -> [String] {
        var found = Set(named)
        var queue = named
        while let role = queue.popLast() {
            for granted in memberOf[role, default: []] where found.insert(granted).inserted { queue.append(granted) }
        }
        return found.sorted()
    }

    /// The statements that create `missing` roles on a target of `targetVersion`, their
    /// role-wide settings, and the memberships among the roles that the target lacks.
    public func creationStatements(missing: [String], absentMemberships: [RoleMembership], targetVersion: Int) -> [String] {
        let missing = Set(missing)
        var statements: [String] = []
        for role in roles where missing.contains(role.name) {
            var words = role.attributes
            if let hash = role.passwordHash { words.append("PASSWORD \(SQL.literal(hash))") }
            statements.append("CREATE ROLE \(SQL.identifier(role.name)) WITH \(words.joined(separator: " "))")
            statements += role.settings.compactMap { Self.setting($0, of: role.name) }
        }
        for membership in absentMemberships {
            var options: [String]
            if targetVersion >= 160000 {
                options = ["ADMIN \(membership.admin ? "TRUE" : "FALSE")", "INHERIT \(membership.inherit ? "TRUE" : "FALSE")",
                           "SET \(membership.set ? "TRUE" : "FALSE")"]
            } else {
                options = membership.admin ? ["ADMIN OPTION"] : []
            }
            let with = options.isEmpty ? "" : " WITH " + options.joined(separator: ", ")
            statements.append("GRANT \(SQL.identifier(membership.role)) TO \(SQL.identifier(membership.member))\(with)")
        }
        return statements
    }

    /// Settings whose value is a list of items, each quoted on its own (pg_dump's
    /// `GUC_LIST_QUOTE` variables): one literal would make the whole list one item.
    static let listSettings: Set<String> = ["search_path", "temp_tablespaces", "session_preload_libraries",
                                            "shared_preload_libraries", "local_preload_libraries", "unix_socket_directories"]

    /// `ALTER ROLE r SET name = value` for one `name=value` of `pg_db_role_setting`.
    static func setting(_ setting: String, of role: String) -> String? {
        assignment(setting).map { "ALTER ROLE \(SQL.identifier(role)) SET \($0)" }
    }

    /// `name TO 'value'` (a list setting item by item) for one `name=value` of `pg_db_role_setting`.
    static func assignment(_ setting: String) -> String? {
        guard let equals = setting.firstIndex(of: "=") else { return nil }
        let name = String(setting[..<equals]), value = String(setting[setting.index(after: equals)...])
        let values = listSettings.contains(name.lowercased()) ? splitList(value).map(SQL.literal) : [SQL.literal(value)]
        return "\(SQL.identifier(name)) TO \(values.joined(separator: ", "))"
    }

    /// A flattened list setting (`app, "$user", "My Schema"`) split into its items, the double
    /// quotes of quoted ones taken off (`""` is a quote inside them).
    static func splitList(_ value: String) -> [String] {
        var items: [String] = []
        var current = ""
        var inQuotes = false
        var characters = value.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if inQuotes {
                if character != "\"" {
                    current.append(character)
                } else if pending == "\"" {
                    current.append("\"")
                    pending = characters.next()
                } else {
                    inQuotes = false
                }
            } else if character == "\"" {
                inQuotes = true
            } else if character == "," {
                items.append(current)
                current = ""
            } else if character != " " {
                current.append(character)
            }
        }
        items.append(current)
        return items.filter { !$0.isEmpty }
    }
}

extension ClusterRoles {
    /// The roles and their memberships as the compare holds them: a role's attributes and
    /// settings; a membership's options, INHERIT and SET only when `membershipOptions` (both
    /// sides record them per membership, PostgreSQL 16+). Passwords are never compared.
    public func inventoryObjects(membershipOptions: Bool) -> [InventoryObject] {
        let roleObjects = roles.map { role in
            var facets = ["attributes": role.attributes.joined(separator: " ")]
            if !role.settings.isEmpty { facets["settings"] = role.settings.sorted().joined(separator: ", ") }
            return InventoryObject(key: InventoryKey(kind: "role", identity: SQL.identifier(role.name)),
                                   description: "role \(SQL.display(role.name))", facets: facets)
        }
        let membershipObjects = memberships.map { membership in
            var options = ["ADMIN \(membership.admin)"]
            if membershipOptions { options += ["INHERIT \(membership.inherit)", "SET \(membership.set)"] }
            let identity = "\(SQL.identifier(membership.role)) to \(SQL.identifier(membership.member))"
            return InventoryObject(key: InventoryKey(kind: "role membership", identity: identity),
                                   description: "membership of role \(SQL.display(membership.member)) in role \(SQL.display(membership.role))",
                                   facets: ["options": options.joined(separator: " ")])
        }
        return roleObjects + membershipObjects
    }
}
