@testable import FerryCore
import Testing

/// What `--roles` writes: roles with their attributes and settings, and memberships in the
/// target version's syntax.
@Suite struct ClusterRolesTests {
    static let owner: Role = {
        var role = Role(name: "App Owner")
        role.login = true
        role.connectionLimit = 3
        role.validUntil = "2031-01-01 00:00:00+00"
        role.settings = [#"search_path=app, "$user", "My ""Schema""""#, "work_mem=64MB"]
        role.passwordHash = "SCRAM-SHA-256$4096:c2FsdA==$a:b"
        return role
    }()

    @Test func theClosureFollowsMembershipsUpward() {
        let memberOf = ["owner": ["writers"], "writers": ["readers", "pg_read_all_data"], "stranger": ["readers"]]
        #expect(ClusterRoles.closure(of: ["owner"], memberOf: memberOf) == ["owner", "pg_read_all_data", "readers", "writers"])
        #expect(ClusterRoles.closure(of: ["readers"], memberOf: memberOf) == ["readers"])
    }

    @Test func aRoleIsCreatedWithItsAttributesSettingsAndPassword() {
        let roles = ClusterRoles(roles: [Self.owner], memberships: [])
        #expect(roles.creationStatements(missing: ["App Owner"], absentMemberships: [], targetVersion: 150000) == [
            #"CREATE ROLE "App Owner" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS "#
                + #"CONNECTION LIMIT 3 VALID UNTIL '2031-01-01 00:00:00+00' PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a:b'"#,
            // A list setting has each item quoted on its own; others are one literal.
            #"ALTER ROLE "App Owner" SET search_path TO 'app', '$user', 'My "Schema"'"#,
            #"ALTER ROLE "App Owner" SET work_mem TO '64MB'"#,
        ])
        #expect(roles.creationStatements(missing: [], absentMemberships: [], targetVersion: 150000).isEmpty)
    }

    @Test func membershipsUseTheOptionsTheTargetVersionHas() {
        let membership = RoleMembership(role: "writers", member: "App Owner", admin: true, inherit: false, set: true)
        let roles = ClusterRoles(roles: [], memberships: [membership])
        #expect(roles.creationStatements(missing: [], absentMemberships: [membership], targetVersion: 160000)
            == [#"GRANT writers TO "App Owner" WITH ADMIN TRUE, INHERIT FALSE, SET TRUE"#])
        #expect(roles.creationStatements(missing: [], absentMemberships: [membership], targetVersion: 150000)
            == [#"GRANT writers TO "App Owner" WITH ADMIN OPTION"#])
        let plain = RoleMembership(role: "writers", member: "reader", admin: false, inherit: true, set: true)
        #expect(roles.creationStatements(missing: [], absentMemberships: [plain], targetVersion: 140000) == ["GRANT writers TO reader"])
    }

    @Test func differencesNameEachSide() {
        var target = Self.owner
        target.login = false
        target.connectionLimit = -1
        target.settings = ["work_mem=64MB"]
        #expect(Self.owner.differences(fromTarget: target) == [
            "CONNECTION LIMIT 3 on the source", "LOGIN on the source", #"SET search_path=app, "$user", "My ""Schema""" on the source"#,
            "NOLOGIN on the target",
        ])
        #expect(Self.owner.differences(fromTarget: Self.owner).isEmpty)
    }

    @Test func theCompareHoldsAttributesSettingsAndMembershipsButNoPassword() {
        let membership = RoleMembership(role: "writers", member: "App Owner", admin: true, inherit: false, set: true)
        let objects = ClusterRoles(roles: [Self.owner], memberships: [membership]).inventoryObjects(membershipOptions: false)
        #expect(objects.map(\.key) == [InventoryKey(kind: "role", identity: #""App Owner""#),
                                       InventoryKey(kind: "role membership", identity: #"writers to "App Owner""#)])
        #expect(objects[0].facets["attributes"]?.contains("CONNECTION LIMIT 3") == true)
        #expect(objects[0].facets["settings"] == #"search_path=app, "$user", "My ""Schema""", work_mem=64MB"#)
        #expect(!objects[0].facets.values.contains { $0.contains("SCRAM") })
        // INHERIT and SET only where both sides record them per membership (16+).
        #expect(objects[1].facets == ["options": "ADMIN true"])
        let sixteen = ClusterRoles(roles: [], memberships: [membership]).inventoryObjects(membershipOptions: true)
        #expect(sixteen[0].facets == ["options": "ADMIN true INHERIT false SET true"])
    }

    @Test func listSettingsSplitAsPostgreSQLFlattensThem() {
        #expect(ClusterRoles.splitList(#"a, "b c", "d""e""#) == ["a", "b c", #"d"e"#])
        #expect(ClusterRoles.splitList("") == [])
    }
}
