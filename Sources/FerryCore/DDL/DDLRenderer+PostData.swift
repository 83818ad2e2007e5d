/// Post-data that waits for every table: partitioned and materialized views' indexes, index
/// attachments, NOT VALID checks, triggers, rules, row security, statistics; then foreign keys.
extension DDLRenderer {
    /// One group per foreign key: `ADD CONSTRAINT` (without ONLY on a partitioned table), then its comment.
    func foreignKeys(_ catalog: SchemaCatalog, lookup: CatalogLookup? = nil) -> [[DDLStatement]] {
        catalog.constraints.filter { $0.kind == .foreignKey }.map { foreignKey in
            let object = "FK CONSTRAINT \(foreignKey.name) ON \(foreignKey.table)"
            let notValid = options.foreignKeysNotValid.contains(foreignKey.id) && foreignKey.validated
            let only = table(foreignKey.table, in: catalog, lookup)?.kind == .partitioned ? "" : "ONLY "
            return [DDLStatement(
                "ALTER TABLE \(only)\(foreignKey.table.sql) ADD CONSTRAINT \(SQL.identifier(foreignKey.name)) "
                    + foreignKey.definition + (notValid ? " NOT VALID" : "") + ";", object: object)]
                + comment("CONSTRAINT \(SQL.identifier(foreignKey.name)) ON \(foreignKey.table.sql)", foreignKey.comment,
                          object: object)
        }
    }

    /// `postponed`: the pre-data of views and functions that need keys, run once every table's
    /// keys and partitioned indexes exist, before the materialized views' indexes.
    func postData(_ catalog: SchemaCatalog, postponed: [DDLStatement] = []) -> [DDLStatement] {
        var statements: [DDLStatement] = []
        let depths = catalog.partitionDepths
        let partitioned = catalog.tables.filter { !$0.holdsData }.map(\.name)
            .sorted { (depths[$0] ?? 0, $0) < (depths[$1] ?? 0, $1) }
        for relation in partitioned {
            statements += keysAndIndexes(of: relation, catalog: catalog).statements
        }
        // Bottom-up, so an intermediate partitioned index is complete before it joins its parent.
        for attachment in catalog.indexAttachments.sorted(by: { ($0.depth, $1.child) > ($1.depth, $0.child) }) {
            statements.append(.init("ALTER INDEX \(attachment.parent.sql) ATTACH PARTITION \(attachment.child.sql);",
                                    object: "INDEX \(attachment.child) OF \(attachment.parent)"))
        }
        statements += postponed
        for view in catalog.views where view.materialized {
            statements += keysAndIndexes(of: view.name, catalog: catalog).statements
        }
        for check in catalog.constraints where check.kind == .check && !check.validated && (check.isLocal || check.onDomain) {
            let object = "CONSTRAINT \(check.name) ON \(check.table)"
            let target = check.onDomain ? "DOMAIN \(check.table.sql)" : "TABLE \(check.table.sql)"
            statements.append(.init("ALTER \(target) ADD CONSTRAINT \(SQL.identifier(check.name)) \(check.definition);",
                                    object: object))
            if check.onDomain {
                statements += comment("CONSTRAINT \(SQL.identifier(check.name)) ON DOMAIN \(check.table.sql)", check.comment,
                                      object: object)
            }
        }
        for table in catalog.tables {
            for column in table.columns where column.notNull && !column.validNotNull {
                guard let constraint = column.notNullConstraint, constraint.isLocal else { continue }
                let object = "CONSTRAINT \(constraint.name) ON \(table.name)"
                statements.append(.init("ALTER TABLE \(table.name.sql) ADD CONSTRAINT \(SQL.identifier(constraint.name)) NOT NULL "
                                        + SQL.identifier(column.name) + (constraint.noInherit ? " NO INHERIT" : "") + " NOT VALID;",
                                        object: object))
                statements += comment("CONSTRAINT \(SQL.identifier(constraint.name)) ON \(table.name.sql)", constraint.comment,
                                      object: object)
            }
        }
        for check in catalog.constraints where !check.onDomain && check.kind == .check {
            statements += comment("CONSTRAINT \(SQL.identifier(check.name)) ON \(check.table.sql)", check.comment,
                                  object: "CONSTRAINT \(check.name) ON \(check.table)")
        }
        for trigger in catalog.triggers {
            let object = "TRIGGER \(trigger.name) ON \(trigger.table)"
            statements.append(.init(trigger.definition + ";", object: object))
            statements += enabledState(trigger.enabled, kind: "TRIGGER", name: trigger.name, table: trigger.table, object: object)
            statements += comment("TRIGGER \(SQL.identifier(trigger.name)) ON \(trigger.table.sql)", trigger.comment,
                                  object: object)
        }
        for rule in catalog.rules {
            let object = "RULE \(rule.name) ON \(rule.table)"
            statements.append(.init(rule.definition, object: object))
            statements += enabledState(rule.enabled, kind: "RULE", name: rule.name, table: rule.table, object: object)
            statements += comment("RULE \(SQL.identifier(rule.name)) ON \(rule.table.sql)", rule.comment, object: object)
        }
        for table in catalog.tables where table.rowSecurity {
            statements.append(.init("ALTER TABLE \(table.name.sql) ENABLE ROW LEVEL SECURITY;",
                                    object: "ROW SECURITY ON \(table.name)"))
        }
        for policy in catalog.policies {
            let object = "POLICY \(policy.name) ON \(policy.table)"
            var sql = "CREATE POLICY \(SQL.identifier(policy.name)) ON \(policy.table.sql)"
            if !policy.permissive { sql += " AS RESTRICTIVE" }
            if policy.command != "ALL" { sql += " FOR \(policy.command)" }
            if !policy.roles.isEmpty { sql += " TO \(policy.roles.map(SQL.identifier).joined(separator: ", "))" }
            if let using = policy.using { sql += " USING (\(using))" }
            if let check = policy.withCheck { sql += " WITH CHECK (\(check))" }
            statements.append(.init(sql + ";", object: object))
            statements += comment("POLICY \(SQL.identifier(policy.name)) ON \(policy.table.sql)", policy.comment, object: object)
        }
        for statistics in catalog.statistics {
            let object = "STATISTICS \(statistics.name)"
            statements.append(.init(statistics.definition + ";", object: object))
            if let target = statistics.statisticsTarget {
                statements.append(.init("ALTER STATISTICS \(statistics.name.sql) SET STATISTICS \(target);", object: object))
            }
            statements += comment("STATISTICS \(statistics.name.sql)", statistics.comment, object: object)
        }
        return statements
    }
}
