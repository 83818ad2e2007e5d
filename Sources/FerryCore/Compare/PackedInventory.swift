/// A `SchemaInventory` packed into one byte buffer: tens of thousands of objects at thousands of
/// tables, each otherwise several strings, a dictionary and an allocation of their own. Both
/// sides of a compare are held so (`Builder` packs a catalog read's rows as they arrive); the
/// objects are unpacked one at a time in key order (`forEach`), or only those named (`objects(_:)`).
public struct PackedInventory: Sendable {
    public let serverVersion: Int
    private let bytes: [UInt8]
    /// Where each object starts in `bytes`, in key order.
    private let starts: [Int]

    public var count: Int { starts.count }

    public init(_ inventory: SchemaInventory) {
        var builder = Builder(serverVersion: inventory.serverVersion)
        for object in inventory.objects { builder.append(object) }
        self = builder.packed()
    }

    private init(serverVersion: Int, bytes: [UInt8], starts: [Int]) {
        self.serverVersion = serverVersion
        self.bytes = bytes
        self.starts = starts
    }

    /// Packs objects as they come, in any order.
    public struct Builder: Sendable {
        public let serverVersion: Int
        private var bytes: [UInt8] = []
        private var starts: [Int] = []

        public init(serverVersion: Int) {
            self.serverVersion = serverVersion
        }

        fileprivate init(_ inventory: PackedInventory) {
            (serverVersion, bytes, starts) = (inventory.serverVersion, inventory.bytes, inventory.starts)
        }

        public mutating func append(_ object: InventoryObject) {
            starts.append(bytes.count)
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

        /// The objects in key order: only their starts are sorted, by keys unpacked once.
        public func packed() -> PackedInventory {
            let keys = starts.map { Reader.key(in: bytes, at: $0) }
            let order = keys.indices.sorted { keys[$0] < keys[$1] }
            return PackedInventory(serverVersion: serverVersion, bytes: bytes, starts: order.map { starts[$0] })
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
    }

    /// This inventory with `objects` added.
    public func adding(_ objects: [InventoryObject]) -> PackedInventory {
        guard !objects.isEmpty else { return self }
        var builder = Builder(self)
        for object in objects { builder.append(object) }
        return builder.packed()
    }

    /// Every object, in key order, unpacked one at a time.
    public func forEach(_ body: (InventoryObject) throws -> Void) rethrows {
        for start in starts { try body(Reader.object(in: bytes, at: start)) }
    }

    /// The inventory of the objects `keys` names (those it holds).
    public func objects(_ keys: [InventoryKey]) -> SchemaInventory {
        let wanted = Set(keys)
        var objects: [InventoryObject] = []
        if !wanted.isEmpty {
            for start in starts where wanted.contains(Reader.key(in: bytes, at: start)) {
                objects.append(Reader.object(in: bytes, at: start))
            }
        }
        return SchemaInventory(serverVersion: serverVersion, objects: objects)
    }

    /// The objects of `self` and `other` side by side in key order: each key once, with the
    /// object each side holds (the first, if a side holds it twice).
    func merged(with other: PackedInventory, _ body: (InventoryObject?, InventoryObject?) -> Void) {
        var (left, right) = (starts[...], other.starts[...])
        var lastRight: InventoryKey?
        func nextLeft() -> InventoryObject? {
            left.popFirst().map { Reader.object(in: bytes, at: $0) }
        }
        func nextRight() -> InventoryObject? {
            while let start = right.popFirst() {
                let object = Reader.object(in: other.bytes, at: start)
                if object.key != lastRight {
                    lastRight = object.key
                    return object
                }
            }
            return nil
        }
        var (a, b) = (nextLeft(), nextRight())
        while a != nil || b != nil {
            if let one = a, b.map({ one.key < $0.key }) ?? true {
                body(one, nil)
                a = nextLeft()
            } else if let two = b, a.map({ two.key < $0.key }) ?? true {
                body(nil, two)
                b = nextRight()
            } else {
                body(a, b)
                (a, b) = (nextLeft(), nextRight())
            }
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var position: Int

        static func key(in bytes: [UInt8], at start: Int) -> InventoryKey {
            var reader = Reader(bytes: bytes, position: start)
            return reader.key()
        }

        static func object(in bytes: [UInt8], at start: Int) -> InventoryObject {
            var reader = Reader(bytes: bytes, position: start)
            return reader.object()
        }

        mutating func key() -> InventoryKey { InventoryKey(kind: text(), identity: text()) }

        mutating func object() -> InventoryObject {
            let key = key()
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
