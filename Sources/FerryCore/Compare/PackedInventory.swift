/// A `SchemaInventory` packed into byte buffers: tens of thousands of objects at thousands of
/// tables, each otherwise several strings, a dictionary and an allocation of their own. Both
/// sides of a compare are held so (`Builder` packs a catalog read's rows as they arrive); the
/// objects are unpacked one at a time in key order (`forEach`), or only those named (`objects(_:)`).
public struct PackedInventory: Sendable {
    public let serverVersion: Int
    /// Chunks of `chunkSize` bytes (or one object, if larger): a buffer that grows by doubling
    /// would hold up to twice its bytes, and three times while it is copied to grow.
    private let chunks: [[UInt8]]
    /// Where each object starts (chunk << 32 | offset), in key order.
    private let starts: [Int]
    static let chunkSize = 64 << 10

    public var count: Int { starts.count }

    public init(_ inventory: SchemaInventory) {
        var builder = Builder(serverVersion: inventory.serverVersion)
        for object in inventory.objects { builder.append(object) }
        self = builder.packed()
    }

    private init(serverVersion: Int, chunks: [[UInt8]], starts: [Int]) {
        self.serverVersion = serverVersion
        self.chunks = chunks
        self.starts = starts
    }

    /// Packs objects as they come, in any order.
    public struct Builder: Sendable {
        public let serverVersion: Int
        private var chunks: [[UInt8]] = []
        private var starts: [Int] = []
        /// The object being packed, before it goes to a chunk.
        private var bytes: [UInt8] = []

        public init(serverVersion: Int) {
            self.serverVersion = serverVersion
        }

        fileprivate init(_ inventory: PackedInventory) {
            (serverVersion, chunks, starts) = (inventory.serverVersion, inventory.chunks, inventory.starts)
        }

        public mutating func append(_ object: InventoryObject) {
            bytes.removeAll(keepingCapacity: true)
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
            if chunks.isEmpty || chunks[chunks.count - 1].count + bytes.count > PackedInventory.chunkSize {
                chunks.append([])
                chunks[chunks.count - 1].reserveCapacity(max(PackedInventory.chunkSize, bytes.count))
            }
            starts.append((chunks.count - 1) << 32 | chunks[chunks.count - 1].count)
            chunks[chunks.count - 1].append(contentsOf: bytes)
        }

        /// The objects in key order: only their starts are sorted, by the keys' bytes where they lie.
        public func packed() -> PackedInventory {
            let chunks = chunks
            func key(at start: Int) -> (identity: ArraySlice<UInt8>, kind: ArraySlice<UInt8>) {
                var reader = Reader(chunks, at: start)
                let kind = reader.slice(reader.number())
                return (reader.slice(reader.number()), kind)
            }
            let sorted = starts.sorted { left, right in
                let (a, b) = (key(at: left), key(at: right))
                return a.identity.elementsEqual(b.identity)
                    ? a.kind.lexicographicallyPrecedes(b.kind) : a.identity.lexicographicallyPrecedes(b.identity)
            }
            return PackedInventory(serverVersion: serverVersion, chunks: chunks, starts: sorted)
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
        for start in starts { try body(Reader.object(in: chunks, at: start)) }
    }

    /// The inventory of the objects `keys` names (those it holds).
    public func objects(_ keys: [InventoryKey]) -> SchemaInventory {
        let wanted = Set(keys)
        var objects: [InventoryObject] = []
        if !wanted.isEmpty {
            for start in starts where wanted.contains(Reader.key(in: chunks, at: start)) {
                objects.append(Reader.object(in: chunks, at: start))
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
            left.popFirst().map { Reader.object(in: chunks, at: $0) }
        }
        func nextRight() -> InventoryObject? {
            while let start = right.popFirst() {
                let object = Reader.object(in: other.chunks, at: start)
                if lastRight.map({ !Self.same(object.key, $0) }) ?? true {
                    lastRight = object.key
                    return object
                }
            }
            return nil
        }
        var (a, b) = (nextLeft(), nextRight())
        while a != nil || b != nil {
            if let one = a, b.map({ Self.precedes(one.key, $0.key) }) ?? true {
                body(one, nil)
                a = nextLeft()
            } else if let two = b, a.map({ Self.precedes(two.key, $0.key) }) ?? true {
                body(nil, two)
                b = nextRight()
            } else {
                body(a, b)
                (a, b) = (nextLeft(), nextRight())
            }
        }
    }

    /// Key order: identity, then kind, by their UTF-8 bytes (as `packed()` sorts; for the
    /// NFC texts catalogs hold, `InventoryKey`'s own order).
    private static func precedes(_ a: InventoryKey, _ b: InventoryKey) -> Bool {
        a.identity.utf8.elementsEqual(b.identity.utf8)
            ? a.kind.utf8.lexicographicallyPrecedes(b.kind.utf8) : a.identity.utf8.lexicographicallyPrecedes(b.identity.utf8)
    }

    private static func same(_ a: InventoryKey, _ b: InventoryKey) -> Bool {
        a.identity.utf8.elementsEqual(b.identity.utf8) && a.kind.utf8.elementsEqual(b.kind.utf8)
    }

    private struct Reader {
        let bytes: [UInt8]
        var position: Int

        init(_ chunks: [[UInt8]], at start: Int) {
            (bytes, position) = (chunks[start >> 32], start & 0xffff_ffff)
        }

        static func key(in chunks: [[UInt8]], at start: Int) -> InventoryKey {
            var reader = Reader(chunks, at: start)
            return reader.key()
        }

        static func object(in chunks: [[UInt8]], at start: Int) -> InventoryObject {
            var reader = Reader(chunks, at: start)
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
            String(decoding: slice(length), as: UTF8.self)
        }

        mutating func slice(_ length: Int) -> ArraySlice<UInt8> {
            defer { position += length }
            return bytes[position..<position + length]
        }
    }
}
