import FerryCore
import Testing

@Suite struct PackedInventoryTests {
    private let objects = [
        InventoryObject(key: InventoryKey(kind: "table", identity: "s.\"tåble\""), description: "table s.\"tåble\"",
                        facets: ["comment": "ünïcode, \"quotes\"\nand lines", "empty": ""]),
        InventoryObject(key: InventoryKey(kind: "table column", identity: "s.t.id"), description: "column id of table s.t",
                        parent: "table s.t", facets: ["type": "integer", "default": String(repeating: "x", count: 300)],
                        relation: "s.t", name: "id"),
        InventoryObject(key: InventoryKey(kind: "schema", identity: "s"), description: "schema s", facets: [:]),
    ]

    @Test func unpacksEveryObjectAsItWasInKeyOrder() {
        let packed = PackedInventory(SchemaInventory(serverVersion: 150004, objects: objects))
        var unpacked: [InventoryObject] = []
        packed.forEach { unpacked.append($0) }
        #expect(packed.serverVersion == 150004)
        #expect(unpacked == objects.sorted { $0.key < $1.key })
        #expect(packed.objects([objects[1].key, InventoryKey(kind: "index", identity: "absent")]).objects == [objects[1]])
        #expect(packed.objects([]).objects.isEmpty)
    }

    @Test func packedSidesCompareObjectByObjectInKeyOrder() {
        var target = objects.filter { $0.key.kind != "schema" }
        target[1].facets["default"] = "y"
        target.append(InventoryObject(key: InventoryKey(kind: "index", identity: "s.i"), description: "index s.i", facets: [:]))
        target.append(InventoryObject(key: InventoryKey(kind: "index", identity: "s.a"), description: "index s.a", facets: [:]))
        let comparison = SchemaComparison(source: PackedInventory(SchemaInventory(serverVersion: 170002, objects: objects)),
                                          target: PackedInventory(SchemaInventory(serverVersion: 160006, objects: target)))
        #expect(comparison.sourceVersion == 170002 && comparison.targetVersion == 160006)
        #expect(comparison.missing == [objects[2].key])
        #expect(comparison.extra == [InventoryKey(kind: "index", identity: "s.a"), InventoryKey(kind: "index", identity: "s.i")])
        #expect(comparison.different == [ObjectDifference(object: objects[1].key, facets: [
            FacetDifference(facet: "default", source: String(repeating: "x", count: 300), target: "y"),
        ])])
        #expect(Set(comparison.sourceKeys) == [objects[1].key, objects[2].key])
        #expect(Set(comparison.targetKeys) == [objects[1].key, InventoryKey(kind: "index", identity: "s.a"),
                                               InventoryKey(kind: "index", identity: "s.i")])
    }

    /// Rows arrive in the catalog's order, not the keys': thousands of objects over many
    /// chunks come out sorted, the same key on both sides pairs, a side's second copy of a key
    /// is missing on the source side and ignored on the target side (as a dictionary of the
    /// target would).
    @Test func objectsPackedInAnyOrderOverManyChunksComeOutInKeyOrder() {
        let many = (0..<5_000).map { number in
            InventoryObject(key: InventoryKey(kind: number % 2 == 0 ? "table" : "index", identity: "s.t\(number * 7919 % 5_000)"),
                            description: "object \(number)", facets: ["definition": String(repeating: "d", count: number % 300)])
        }
        var builder = PackedInventory.Builder(serverVersion: 150004)
        for object in many { builder.append(object) }
        let packed = builder.packed()
        var unpacked: [InventoryObject] = []
        packed.forEach { unpacked.append($0) }
        #expect(packed.count == 5_000)
        #expect(unpacked == many.sorted { $0.key < $1.key })

        let duplicate = many[10]
        let source = packed.adding([duplicate])
        let target = packed.adding([duplicate, InventoryObject(key: duplicate.key, description: "second", facets: ["x": "y"])])
        let comparison = SchemaComparison(source: source, target: target)
        #expect(comparison.missing == [duplicate.key])
        #expect(comparison.extra.isEmpty && comparison.different.isEmpty)
        #expect(SchemaComparison(source: packed, target: packed).isEqual)
    }
}
