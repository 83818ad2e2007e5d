import FerryCore
import Testing

@Suite struct SchemaComparisonTests {
    private func object(_ kind: String, _ identity: String, parent: String? = nil, _ facets: [String: String] = [:]) -> InventoryObject {
        InventoryObject(key: InventoryKey(kind: kind, identity: identity), description: "\(kind) \(identity)", parent: parent,
                        facets: facets)
    }

    private let sourceObjects = [
        InventoryObject(key: InventoryKey(kind: "table", identity: "s.t"), description: "table s.t", facets: ["comment": "orders"]),
        InventoryObject(key: InventoryKey(kind: "table column", identity: "s.t.id"), description: "column id of table s.t",
                        parent: "table s.t", facets: ["type": "integer", "default": "nextval('s.t_id_seq'::regclass)"]),
        InventoryObject(key: InventoryKey(kind: "index", identity: "s.t_pkey"), description: "index s.t_pkey", parent: "table s.t",
                        facets: ["definition": "CREATE UNIQUE INDEX t_pkey ON s.t USING btree (id)"]),
        InventoryObject(key: InventoryKey(kind: "view", identity: "s.v"), description: "view s.v",
                        facets: [SchemaComparison.deparsedQueryFacet: " SELECT t.id\n   FROM s.t;"]),
    ]

    private func inventory(_ objects: [InventoryObject], version: Int = 150004) -> SchemaInventory {
        SchemaInventory(serverVersion: version, objects: objects)
    }

    @Test func identicalInventoriesAreEqual() {
        let comparison = SchemaComparison(source: inventory(sourceObjects), target: inventory(sourceObjects.reversed()))
        #expect(comparison.isEqual)
        #expect(comparison.notes.isEmpty)
        #expect(comparison.lines == ["schemas are equal"])
    }

    @Test func reportsMissingExtraAndDifferentFacets() {
        var target = sourceObjects.filter { $0.key.kind != "index" }
        target[1].facets["default"] = nil
        target[0].facets["comment"] = "all orders"
        target.append(object("trigger", "audit on s.t", parent: "table s.t", ["definition": "CREATE TRIGGER audit …"]))
        let comparison = SchemaComparison(source: inventory(sourceObjects), target: inventory(target))
        #expect(!comparison.isEqual)
        #expect(comparison.missing == [InventoryKey(kind: "index", identity: "s.t_pkey")])
        #expect(comparison.extra == [InventoryKey(kind: "trigger", identity: "audit on s.t")])
        #expect(comparison.different == [
            ObjectDifference(object: InventoryKey(kind: "table", identity: "s.t"),
                             facets: [FacetDifference(facet: "comment", source: "orders", target: "all orders")]),
            ObjectDifference(object: InventoryKey(kind: "table column", identity: "s.t.id"),
                             facets: [FacetDifference(facet: "default", source: "nextval('s.t_id_seq'::regclass)", target: nil)]),
        ])
        #expect(comparison.differenceCount == 4)
        #expect(comparison.lines.contains("missing on target: index s.t_pkey"))
        #expect(comparison.lines.contains("    default: source «nextval('s.t_id_seq'::regclass)», target (none)"))
        #expect(comparison.lines.last == "4 differences (1 missing, 1 extra, 2 different)")
        #expect(comparison.summary(limit: 2) == "missing index s.t_pkey; extra trigger audit on s.t; and 2 more")
        #expect(comparison.summary().hasSuffix("different table column s.t.id (default)"))
    }

    @Test func deparsedQueriesAreComparedOnlyWithinOneMajorVersion() {
        var target = sourceObjects
        target[3].facets[SchemaComparison.deparsedQueryFacet] = " SELECT id\n   FROM s.t;"
        let sameMajor = SchemaComparison(source: inventory(sourceObjects), target: inventory(target, version: 150010))
        #expect(sameMajor.different.map(\.object.identity) == ["s.v"])
        let acrossMajors = SchemaComparison(source: inventory(sourceObjects, version: 140011), target: inventory(target, version: 180001))
        #expect(acrossMajors.isEqual)
        #expect(acrossMajors.notes.count == 1, "the skipped facet is said, never silent")
        #expect(acrossMajors.lines.first?.contains("only when the major versions match (source 14, target 18)") == true)
    }

    @Test func maintainOfA17SourceIsNotADifferenceOnAnOlderTarget() {
        let acl = #"{queen=arwdDxtm/queen,ops=rm*/queen,"m=x"=m/queen,=r/queen}"#
        let source = [object("table", "s.t", ["acl": acl])]
        let older = [object("table", "s.t", ["acl": #"{queen=arwdDxt/queen,ops=r/queen,=r/queen}"#])]
        #expect(SchemaComparison(source: inventory(source, version: 170002), target: inventory(older, version: 160006)).isEqual)
        // Between 17s, MAINTAIN is recreated and compared as any privilege.
        let same = SchemaComparison(source: inventory(source, version: 170002), target: inventory(older, version: 170006))
        #expect(same.different.map(\.object.identity) == ["s.t"])
    }

    @Test func announcedObjectsAndWhatBelongsToThemAreNotCounted() {
        let source = sourceObjects + [
            object("foreign table", "s.remote"),
            object("foreign table column", "s.remote.id", parent: "foreign table s.remote", ["type": "integer"]),
        ]
        let comparison = SchemaComparison(source: inventory(source), target: inventory(sourceObjects))
        #expect(comparison.missing.count == 2)
        let expected = comparison.excluding(["foreign table s.remote"], source: inventory(source), target: inventory(sourceObjects))
        #expect(expected.isEqual)
        #expect(expected.announced.count == 2)
        let unrelated = comparison.excluding(["text search parser s.p"], source: inventory(source), target: inventory(sourceObjects))
        #expect(unrelated.missing.count == 2)
        let byKey = comparison.excluding(["foreign table s.remote", "table column s.t.id"], source: inventory(source),
                                         target: inventory(sourceObjects))
        #expect(byKey.isEqual, "an object is named by its description or by its key")
    }
}
