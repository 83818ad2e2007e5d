import FerryCore
import Testing

/// Issue 17, point 3, without a server: which differences are re-read and how, what a re-reading's
/// answer removes, and how two long texts show where they differ.
@Suite struct RereadingTests {
    static let check = InventoryObject(
        key: InventoryKey(kind: "table constraint", identity: "c on s.t"), description: "constraint c on table s.t",
        parent: "table s.t", facets: ["definition": "CHECK (((v)::text = ANY ((ARRAY['a'::character varying])::text[])))"],
        relation: "s.t")
    static let index = InventoryObject(
        key: InventoryKey(kind: "index", identity: "s.i"), description: "index s.i", parent: "table s.t",
        facets: ["definition": "CREATE UNIQUE INDEX i ON s.t USING btree (id) WHERE (v = 'a'::text)"], relation: "s.t")
    static let comment = InventoryObject(key: InventoryKey(kind: "table", identity: "s.t"), description: "table s.t",
                                         facets: ["comment": "orders"])

    static func comparison(changing objects: [InventoryObject], _ facet: String, to value: String)
        -> (SchemaComparison, SchemaInventory, SchemaInventory) {
        let source = SchemaInventory(serverVersion: 150004, objects: objects)
        var targetObjects = objects
        for index in targetObjects.indices { targetObjects[index].facets[facet] = value }
        let target = SchemaInventory(serverVersion: 150004, objects: targetObjects)
        return (SchemaComparison(source: source, target: target), source, target)
    }

    @Test func deparsedFacetsAreReReadOnAnEmptyCopyAndOthersAreNot() throws {
        let (comparison, source, _) = Self.comparison(changing: [Self.check, Self.index], "definition", to: "other")
        let rereadings = Rereading.plan(for: comparison, source: source)
        #expect(rereadings.count == 2)
        let check = try #require(rereadings.first { $0.object == Self.check.key })
        #expect(check.setup == ["CREATE TEMPORARY TABLE pg_temp.pgferry_probe (LIKE s.t)",
                                "ALTER TABLE pg_temp.pgferry_probe ADD CONSTRAINT pgferry_probe " + Self.check.facets["definition"]!])
        let index = try #require(rereadings.first { $0.object == Self.index.key })
        #expect(index.setup.last == "CREATE UNIQUE INDEX ON pg_temp.pgferry_probe USING btree (id) WHERE (v = 'a'::text)")
        #expect(index.read.contains("'CREATE UNIQUE INDEX i ON s.t USING '"), "the answer gets the index's own head back")

        let (comments, commentSource, _) = Self.comparison(changing: [Self.comment], "comment", to: "all orders")
        #expect(Rereading.plan(for: comments, source: commentSource).isEmpty, "a comment is no deparse: never re-read")
    }

    @Test func anAnswerEqualToTheTargetsTextRemovesTheDifferenceAndAnyOtherKeepsIt() throws {
        let (comparison, source, target) = Self.comparison(changing: [Self.check], "definition", to: "CHECK (restored)")
        let rereading = try #require(Rereading.plan(for: comparison, source: source).first)
        let same = comparison.removing([(rereading, "CHECK (restored)")], target: target)
        #expect(same.isEqual)
        #expect(same.notes.contains { $0.contains("1 deparsed text read differently on the target but is the same") })
        #expect(comparison.removing([(rereading, "CHECK (something else)")], target: target) == comparison)
        #expect(comparison.removing([(rereading, nil)], target: target) == comparison, "a failed re-reading keeps it")
    }

    @Test func longTextsShowTheirDifferingLines() {
        let common = (1...12).map { "    line \($0) of a long view that both sides print the same," }
        let source = (common + ["  WHERE status = 'draft'", "  ORDER BY id;"]).joined(separator: "\n")
        let target = (common + ["  WHERE status = 'archived'", "  ORDER BY id;"]).joined(separator: "\n")
        let lines = SchemaComparison.describe(FacetDifference(facet: "query", source: source, target: target))
        #expect(lines == ["    query (from line 13):", "      -   WHERE status = 'draft'", "      +   WHERE status = 'archived'"])

        let prefix = String(repeating: "x", count: 300)
        let single = SchemaComparison.describe(FacetDifference(facet: "definition", source: prefix + "abc", target: prefix + "abd"))
        #expect(single[0] == "    definition (line 1, from character 263):")
        #expect(single[1].hasPrefix("      - …") && single[1].hasSuffix("xabc"))
        #expect(single[2].hasSuffix("xabd"))
        let short = SchemaComparison.describe(FacetDifference(facet: "comment", source: "a", target: "b"))
        #expect(short == ["    comment: source «a», target «b»"])
    }
}
