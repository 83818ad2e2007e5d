import ArgumentParser

/// What the target is given before the schema, where it lacks it (`migrate` and `plan`).
struct PrerequisiteOptions: ParsableArguments {
    @Flag(help: "Create on the target the roles the schema names (owners and grantees with --owners, policy roles) and the roles they are members of, with their attributes, role-wide settings and memberships; a role the target has is left as it is and listed if it differs.")
    var roles = false

    @Flag(name: .customLong("role-passwords"),
          help: "With --roles or --create-prerequisites: give each created role its password hash (the source role must read pg_authid: a superuser).")
    var rolePasswords = false

    @Flag(name: .customLong("create-prerequisites"),
          help: "Create what the schema needs that pg_dump -n would not carry either: the roles (as --roles) and the extensions outside the schema that its objects use (in their source schema); what the target cannot install is still refused before anything is written.")
    var createPrerequisites = false

    func validate() throws {
        guard !rolePasswords || roles || createPrerequisites else {
            throw ValidationError("--role-passwords needs --roles or --create-prerequisites")
        }
    }
}
