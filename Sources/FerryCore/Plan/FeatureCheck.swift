/// Features the source schema uses that the target's server version does not have: reported
/// before anything is written instead of failing halfway (catalog-ddl.md §1.21).
public enum FeatureCheck {
    public struct Unsupported: Sendable, Equatable, CustomStringConvertible {
        public var feature: String
        public var since: Int
        public var objects: [String]
        public var description: String {
            "\(feature) needs PostgreSQL \(since) or later; used by \(objects.prefix(5).joined(separator: ", "))"
                + (objects.count > 5 ? " and \(objects.count - 5) more" : "")
        }
    }

    public static func unsupported(in catalog: SchemaCatalog, targetVersion: Int) -> [Unsupported] {
        let major = targetVersion / 10000
        var found: [Unsupported] = []
        func check(_ feature: String, since: Int, _ objects: [String]) {
            if major < since && !objects.isEmpty { found.append(Unsupported(feature: feature, since: since, objects: objects)) }
        }
        let columns = catalog.tables.flatMap { table in table.columns.map { (table.name, $0) } }
        check("SQL-standard function bodies (BEGIN ATOMIC / RETURN)", since: 14,
              catalog.functions.filter(\.sqlStandardBody).map { "\($0.name)" })
        check("column compression settings", since: 14, columns.filter { $0.1.compression != nil }.map { "\($0.0).\($0.1.name)" })
        let nullsNotDistinct = catalog.indexes.filter { $0.definition.contains(" NULLS NOT DISTINCT") }.map { "\($0.name)" }
            + catalog.constraints.filter { $0.definition.contains(" NULLS NOT DISTINCT") }.map { "\($0.name) on \($0.table)" }
        check("NULLS NOT DISTINCT", since: 15, nullsNotDistinct)
        check("unlogged sequences", since: 15, catalog.sequences.filter(\.unlogged).map { "\($0.name)" })
        check("security_invoker views", since: 15,
              catalog.views.filter { $0.options.contains { $0.hasPrefix("security_invoker") } }.map { "\($0.name)" })
        check("ICU collation rules", since: 16,
              catalog.collations.filter { $0.options.contains { $0.hasPrefix("rules = ") } }.map { "\($0.name)" })
        check("the builtin collation provider", since: 17,
              catalog.collations.filter { $0.options.contains("provider = builtin") }.map { "\($0.name)" })
        check("virtual generated columns", since: 18, columns.filter { $0.1.generatedVirtual }.map { "\($0.0).\($0.1.name)" })
        check("NOT VALID not-null constraints", since: 18,
              columns.filter { $0.1.notNull && !$0.1.validNotNull }.map { "\($0.0).\($0.1.name)" })
        check("NO INHERIT not-null constraints", since: 18,
              columns.filter { $0.1.notNullConstraint?.noInherit == true }.map { "\($0.0).\($0.1.name)" })
        check("NOT ENFORCED constraints", since: 18,
              catalog.constraints.filter { $0.definition.contains("NOT ENFORCED") }.map { "\($0.name) on \($0.table)" })
        check("WITHOUT OVERLAPS / PERIOD keys", since: 18,
              catalog.constraints.filter { $0.definition.contains("WITHOUT OVERLAPS") || $0.definition.contains("PERIOD ") }
                  .map { "\($0.name) on \($0.table)" })
        return found
    }
}
