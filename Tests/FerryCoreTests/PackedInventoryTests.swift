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

    @Test func aPackedSourceComparesAsTheInventory() {
        var target = objects.filter { $0.key.kind != "schema" }
        target[1].facets["default"] = "y"
        target.append(InventoryObject(key: InventoryKey(kind: "index", identity: "s.i"), description: "index s.i", facets: [:]))
        let source = SchemaInventory(serverVersion: 170002, objects: objects)
        let targetInventory = SchemaInventory(serverVersion: 160006, objects: target)
        let packed = SchemaComparison(source: PackedInventory(source), target: targetInventory)
        #expect(packed == SchemaComparison(source: source, target: targetInventory))
        #expect(packed.missing == [objects[2].key])
        #expect(packed.extra == [InventoryKey(kind: "index", identity: "s.i")])
        #expect(packed.different.map(\.object) == [objects[1].key])
        #expect(Set(packed.sourceKeys) == [objects[1].key, objects[2].key])
    }
}
