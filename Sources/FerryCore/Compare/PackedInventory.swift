/// A `SchemaInventory` packed into one byte buffer: the source's inventory as a run holds it from
/// its snapshot to the end-of-run compare: tens of thousands of objects at thousands of tables,
/// each otherwise several strings, a dictionary and an allocation of their own. The objects are
/// kept in key order and unpacked one at a time (`forEach`), or only those named (`objects(_:)`).
public struct PackedInventory: Sendable {
    public let serverVersion: Int
    public let count: Int
    private let bytes: [UInt8]

    public init(_ inventory: SchemaInventory) {
        serverVersion = inventory.serverVersion
        count = inventory.objects.count
        var bytes: [UInt8] = []
        for object in inventory.objects.sorted(by: { $0.key < $1.key }) {
            Self.append(object.key.kind, to: &bytes)
            Self.append(object.key.identity, to: &bytes)
            Self.append(object.description, to: &bytes)
            Self.append(object.parent, to: &bytes)
            Self.append(object.relation, to: &bytes)
            Self.append(object.name, to: &bytes)
            Self.append(object.facets.count, to: &bytes)
            for (name, value) in object.facets.sorted(by: { $0.key < $1.key }) {
                Self.append(name, to: &bytes)
                Self.append(value, to: &bytes)
            }
        }
        self.bytes = bytes
    }

    /// Every object, in key order, unpacked one at a time.
    public func forEach(_ body: (InventoryObject) throws -> Void) rethrows {
        var reader = Reader(bytes: bytes)
        for _ in 0..<count { try body(reader.object()) }
    }

    /// The inventory of the objects `keys` names (those it holds).
    public func objects(_ keys: [InventoryKey]) -> SchemaInventory {
        let wanted = Set(keys)
        var objects: [InventoryObject] = []
        if !wanted.isEmpty { forEach { if wanted.contains($0.key) { objects.append($0) } } }
        return SchemaInventory(serverVersion: serverVersion, objects: objects)
    }

    /// A count or a length: 7 bits a byte, the high bit set on every byte but the last.
    private static func append(_ number: Int, to bytes: inout [UInt8]) {
        var rest = UInt(number)
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        append(text.utf8.count, to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    /// nil packs as 0, a text as 1 + its length.
    private static func append(_ text: String?, to bytes: inout [UInt8]) {
        guard let text else { return bytes.append(0) }
        append(text.utf8.count + 1, to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func object() -> InventoryObject {
            let key = InventoryKey(kind: text(), identity: text())
            let description = text()
            let (parent, relation, name) = (optionalText(), optionalText(), optionalText())
            var facets: [String: String] = [:]
            let facetCount = number()
            facets.reserveCapacity(facetCount)
            for _ in 0..<facetCount {
                let facet = text()
                facets[facet] = text()
            }
            return InventoryObject(key: key, description: description, parent: parent, facets: facets,
                                   relation: relation, name: name)
        }

        mutating func number() -> Int {
            var value: UInt = 0
            var shift: UInt = 0
            while true {
                let byte = bytes[position]
                position += 1
                value |= UInt(byte & 0x7f) << shift
                if byte < 0x80 { return Int(value) }
                shift += 7
            }
        }

        mutating func text() -> String { characters(number()) }

        mutating func optionalText() -> String? {
            let length = number()
            return length == 0 ? nil : characters(length - 1)
        }

        private mutating func characters(_ length: Int) -> String {
            defer { position += length }
            return String(decoding: bytes[position..<position + length], as: UTF8.self)
        }
    }
}
