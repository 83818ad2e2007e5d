/// PostgreSQL's deparse is not idempotent: an expression or query printed by the source, parsed
/// by the target and printed again can read differently while being the same (a `varchar`
/// column's `IN` list, a `UNION ALL` branch's `NULL::integer`), after pg_dump's restore as after
/// pgferry's. A differing deparsed facet is therefore re-read: the source's text is created on
/// the target (in a transaction rolled back, mostly on an empty temporary copy of its table) and
/// what the target prints for it is compared with the target's own text. Equal: the same object
/// read differently. Anything else, a failed re-reading included, stays a difference.
public struct Rereading: Sendable, Equatable {
    public var object: InventoryKey
    public var facet: String
    /// Statements that create the source's text on the target, run in a savepoint rolled back.
    public var setup: [String]
    /// A query answering one row, one column: the target's text for it.
    public var read: String
    /// A suffix the re-reading added (a domain check is added `NOT VALID`), removed from the answer.
    public var addedSuffix: String?

    /// The temporary copy most re-readings create (a rule, a domain check and a function are
    /// replaced or added in place, and rolled back).
    static let probe = "pg_temp.pgferry_probe"
    static let probeLiteral = "'pg_temp.pgferry_probe'::pg_catalog.regclass"

    /// The answer as the target's text reads, for comparing with it.
    public func text(from answer: String) -> String {
        guard let suffix = addedSuffix, answer.hasSuffix(suffix) else { return answer }
        return String(answer.dropLast(suffix.count))
    }

    /// The re-readings of `comparison`'s differences that can be re-read: deparsed facets of
    /// CHECK constraints, column defaults and generation expressions, view, rule and `BEGIN
    /// ATOMIC` queries, policy expressions and index definitions, present on both sides.
    public static func plan(for comparison: SchemaComparison, source: SchemaInventory) -> [Rereading] {
        let objects = Dictionary(source.objects.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        return comparison.different.flatMap { difference in
            difference.facets.compactMap { facet -> Rereading? in
                guard let object = objects[difference.object], let text = facet.source, facet.target != nil else { return nil }
                return rereading(object, facet: facet.facet, text: text)
            }
        }
    }

    static func rereading(_ object: InventoryObject, facet: String, text: String) -> Rereading? {
        let kind = object.key.kind
        let copy = object.relation.map { "CREATE TEMPORARY TABLE \(probe) (LIKE \($0))" }
        func make(_ setup: [String?], _ read: String, addedSuffix: String? = nil) -> Rereading? {
            let statements = setup.compactMap { $0 }
            guard statements.count == setup.count else { return nil }
            return Rereading(object: object.key, facet: facet, setup: statements, read: read, addedSuffix: addedSuffix)
        }
        switch (kind, facet) {
        case ("table constraint", "definition") where text.hasPrefix("CHECK "):
            return make([copy, "ALTER TABLE \(probe) ADD CONSTRAINT pgferry_probe \(text)"], """
                SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
                WHERE conrelid = \(probeLiteral) AND conname = 'pgferry_probe'
                """)
        case ("domain constraint", "definition") where text.hasPrefix("CHECK "):
            // NOT VALID: the domain's existing values are not scanned.
            guard let domain = object.relation else { return nil }
            let suffix = text.hasSuffix(" NOT VALID") ? nil : " NOT VALID"
            return make(["ALTER DOMAIN \(domain) ADD CONSTRAINT pgferry_probe \(text)\(suffix ?? "")"], """
                SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
                WHERE contypid = \(SQL.literal(domain))::pg_catalog.regtype AND conname = 'pgferry_probe'
                """, addedSuffix: suffix)
        case (_, "default") where kind.hasSuffix(" column") && kind != "composite type column":
            guard let column = object.name else { return nil }
            return make([copy, "ALTER TABLE \(probe) ALTER COLUMN \(SQL.identifier(column)) SET DEFAULT \(text)"], """
                SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d
                JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                WHERE d.adrelid = \(probeLiteral) AND a.attname = \(SQL.literal(column))
                """)
        case (_, "generated") where kind.hasSuffix(" column"):
            // `s expr` (stored) or `v expr` (virtual, 18).
            guard let column = object.name, let type = object.facets["type"], text.count > 2 else { return nil }
            let name = SQL.identifier(column)
            let expression = text.dropFirst(2)
            return make([copy, "ALTER TABLE \(probe) DROP COLUMN \(name)",
                          "ALTER TABLE \(probe) ADD COLUMN \(name) \(type) GENERATED ALWAYS AS (\(expression)) "
                              + (text.hasPrefix("v ") ? "VIRTUAL" : "STORED")], """
                SELECT a.attgenerated::text || ' ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d
                JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                WHERE d.adrelid = \(probeLiteral) AND a.attname = \(SQL.literal(column))
                """)
        case ("view", SchemaComparison.deparsedQueryFacet), ("materialized view", SchemaComparison.deparsedQueryFacet):
            return make(["CREATE VIEW \(probe) AS \(text)"], "SELECT pg_catalog.pg_get_viewdef(\(probeLiteral))")
        case ("rule", SchemaComparison.deparsedQueryFacet) where text.hasPrefix("CREATE RULE "):
            // Replaced on its own relation (the transaction is rolled back): a rule names its relation.
            guard let relation = object.relation, let rule = object.name else { return nil }
            return make(["CREATE OR REPLACE RULE " + text.dropFirst("CREATE RULE ".count)], """
                SELECT pg_catalog.pg_get_ruledef(oid) FROM pg_catalog.pg_rewrite
                WHERE ev_class = \(SQL.literal(relation))::pg_catalog.regclass AND rulename = \(SQL.literal(rule))
                """)
        case ("function", SchemaComparison.deparsedQueryFacet), ("procedure", SchemaComparison.deparsedQueryFacet):
            // A `BEGIN ATOMIC` body: pg_get_functiondef prints `CREATE OR REPLACE …`, replacing it in place.
            guard text.hasPrefix("CREATE OR REPLACE ") else { return nil }
            return make([text], "SELECT pg_catalog.pg_get_functiondef(\(SQL.literal(object.key.identity))::pg_catalog.regprocedure)")
        case ("policy", "using"), ("policy", "with check"):
            let clause = facet == "using" ? "USING" : "WITH CHECK"
            return make([copy, "CREATE POLICY pgferry_probe ON \(probe) \(clause) (\(text))"], """
                SELECT pg_catalog.pg_get_expr(\(facet == "using" ? "polqual" : "polwithcheck"), polrelid) FROM pg_catalog.pg_policy
                WHERE polrelid = \(probeLiteral)
                """)
        case ("index", "definition"):
            // `CREATE [UNIQUE] INDEX name ON [ONLY] relation USING …`: built on the empty copy
            // under a name of its own, the answer's head put back.
            guard let relation = object.relation,
                  let using = text.firstRange(of: " ON \(relation) USING ") ?? text.firstRange(of: " ON ONLY \(relation) USING ")
            else { return nil }
            let head = text[..<using.upperBound]
            let unique = head.hasPrefix("CREATE UNIQUE INDEX ") ? "UNIQUE " : ""
            return make([copy, "CREATE \(unique)INDEX ON \(probe) USING " + text[using.upperBound...]], """
                SELECT \(SQL.literal(String(head))) || pg_catalog.substr(d, pg_catalog.strpos(d, ' USING ') + 7)
                FROM (SELECT pg_catalog.pg_get_indexdef(indexrelid) AS d FROM pg_catalog.pg_index WHERE indrelid = \(probeLiteral)) i
                """)
        default:
            return nil
        }
    }
}

extension SchemaComparison {
    /// This comparison without the facet differences that a re-reading answered with the
    /// target's own text; `answers` holds each re-reading's answer (nil: it failed).
    public func removing(_ rereadings: [(Rereading, String?)], target: SchemaInventory) -> SchemaComparison {
        let objects = Dictionary(target.objects.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var same = Set<String>()
        for (rereading, answer) in rereadings {
            guard let answer, let object = objects[rereading.object],
                  rereading.text(from: answer) == object.facets[rereading.facet] else { continue }
            same.insert("\(rereading.object)\u{0}\(rereading.facet)")
        }
        guard !same.isEmpty else { return self }
        var result = self
        result.different = different.compactMap { difference in
            var difference = difference
            difference.facets.removeAll { same.contains("\(difference.object)\u{0}\($0.facet)") }
            return difference.facets.isEmpty ? nil : difference
        }
        result.notes.append("\(same.count) deparsed text\(same.count == 1 ? "" : "s") read differently on the target but "
            + "\(same.count == 1 ? "is" : "are") the same: the target re-reads the source's text as its own")
        return result
    }
}
