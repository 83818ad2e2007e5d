/// Every object of one or more schemas on one server, as the catalog describes it: what
/// `pgferry compare` holds side by side.
public struct SchemaInventory: Sendable, Codable, Equatable {
    /// `server_version_num` of the server that was read.
    public var serverVersion: Int
    public var objects: [InventoryObject]

    public init(serverVersion: Int, objects: [InventoryObject]) {
        self.serverVersion = serverVersion
        self.objects = objects
    }

    public var majorVersion: Int { serverVersion / 10000 }
}

/// One catalog object: its kind and identity as `pg_identify_object` prints them (no OIDs, so
/// they match across databases), and its definition cut into named facets.
public struct InventoryObject: Sendable, Codable, Equatable {
    public var key: InventoryKey
    /// `pg_describe_object`'s text, the form `notMigrated` lists objects in.
    public var description: String
    /// The description of the object this one belongs to (a column's table), if any.
    public var parent: String?
    /// Facet name → value (`definition`, `type`, `default`, `comment`, `owner`, `acl`…); a facet
    /// a side does not have is absent, not empty.
    public var facets: [String: String]
    /// The SQL name of the table, view or domain it hangs off (a column's, a constraint's…),
    /// and its own bare name where SQL needs it (a column, a rule): what a re-reading names.
    public var relation: String?
    public var name: String?

    public init(key: InventoryKey, description: String, parent: String? = nil, facets: [String: String],
                relation: String? = nil, name: String? = nil) {
        self.key = key
        self.description = description
        self.parent = parent
        self.facets = facets
        self.relation = relation
        self.name = name
    }
}

/// What names an object on both sides: `table` + `s.t`, `trigger` + `trg on s.t`.
public struct InventoryKey: Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    public var kind: String
    public var identity: String

    public init(kind: String, identity: String) {
        self.kind = kind
        self.identity = identity
    }

    public var description: String { "\(kind) \(identity)" }

    public static func < (lhs: InventoryKey, rhs: InventoryKey) -> Bool {
        (lhs.identity, lhs.kind) < (rhs.identity, rhs.kind)
    }
}

/// One facet whose value differs; nil: the side has no such facet.
public struct FacetDifference: Sendable, Codable, Equatable {
    public var facet: String
    public var source: String?
    public var target: String?

    public init(facet: String, source: String?, target: String?) {
        self.facet = facet
        self.source = source
        self.target = target
    }
}

public struct ObjectDifference: Sendable, Codable, Equatable {
    public var object: InventoryKey
    public var facets: [FacetDifference]

    public init(object: InventoryKey, facets: [FacetDifference]) {
        self.object = object
        self.facets = facets
    }
}

/// Source against target: objects missing on the target, extra on the target, and different.
public struct SchemaComparison: Sendable, Codable, Equatable {
    public var sourceVersion: Int
    public var targetVersion: Int
    public var missing: [InventoryKey] = []
    public var extra: [InventoryKey] = []
    public var different: [ObjectDifference] = []
    /// Facets left out of the comparison, and why (never silently).
    public var notes: [String] = []
    /// Differences that were expected (objects pgferry announced it does not recreate…),
    /// reported but not counted.
    public var announced: [String] = []

    public var isEqual: Bool { missing.isEmpty && extra.isEmpty && different.isEmpty }
    public var differenceCount: Int { missing.count + extra.count + different.count }

    /// Facets whose text is a query deparsed by the server (views, materialized views, rules,
    /// `BEGIN ATOMIC` bodies): its layout changes between major versions, so it is compared
    /// only when both sides run the same one.
    public static let deparsedQueryFacet = "query"

    public init(source: SchemaInventory, target: SchemaInventory) {
        self.init(source: PackedInventory(source), target: PackedInventory(target))
    }

    /// Both sides packed, unpacked one object at a time side by side; the objects the
    /// differences name are `source.objects(sourceKeys)` and `target.objects(targetKeys)`.
    public init(source: PackedInventory, target: PackedInventory) {
        sourceVersion = source.serverVersion
        targetVersion = target.serverVersion
        let (sourceMajor, targetMajor) = (sourceVersion / 10000, targetVersion / 10000)
        let compareQueries = sourceMajor == targetMajor
        if !compareQueries {
            notes.append("deparsed queries (view, materialized view and rule definitions, BEGIN ATOMIC function bodies) "
                + "are compared only when the major versions match (source \(sourceMajor), target \(targetMajor))")
        }
        // MAINTAIN (17) is not recreated on an older target, which has no such privilege.
        let dropsMaintain = sourceMajor >= 17 && targetMajor < 17
        var (missing, extra): ([InventoryKey], [InventoryKey]) = ([], [])
        var different: [ObjectDifference] = []
        source.merged(with: target) { object, other in
            guard var object else { return extra.append(other!.key) }
            guard let other else { return missing.append(object.key) }
            if dropsMaintain, let acl = object.facets["acl"] { object.facets["acl"] = Self.removingMaintain(from: acl) }
            let names = Set(object.facets.keys).union(other.facets.keys)
                .filter { compareQueries || $0 != Self.deparsedQueryFacet }
            let facets = names.sorted().compactMap { name -> FacetDifference? in
                let (left, right) = (object.facets[name], other.facets[name])
                return left == right ? nil : FacetDifference(facet: name, source: left, target: right)
            }
            if !facets.isEmpty { different.append(ObjectDifference(object: object.key, facets: facets)) }
        }
        self.missing = missing
        self.extra = extra
        self.different = different
    }

    /// The source objects the differences name: what `excluding` and `Rereading.plan` look up.
    public var sourceKeys: [InventoryKey] { missing + different.map(\.object) }

    /// The target objects the differences name: what `excluding` and `removing` look up.
    public var targetKeys: [InventoryKey] { extra + different.map(\.object) }

    /// An `aclitem[]` text without the MAINTAIN privilege (`m`, `m*`); an item left with no
    /// privilege is dropped. Items are `grantee=privileges/grantor`, names double-quoted when needed.
    static func removingMaintain(from acl: String) -> String {
        guard acl.hasPrefix("{"), acl.hasSuffix("}") else { return acl }
        var items: [String] = []
        var item = ""
        var quoted = false
        for character in acl.dropFirst().dropLast() {
            if character == "\"" { quoted.toggle() }  // a doubled quote toggles twice
            if character == ",", !quoted {
                items.append(item)
                item = ""
            } else {
                item.append(character)
            }
        }
        if !item.isEmpty { items.append(item) }
        let kept = items.compactMap { item -> String? in
            // The grantee ends at the first `=` outside quotes; its privileges run to the next `/`.
            var inQuotes = false
            guard let equals = item.indices.first(where: { index in
                if item[index] == "\"" { inQuotes.toggle() }
                return item[index] == "=" && !inQuotes
            }), let slash = item[equals...].firstIndex(of: "/") else { return item }
            let privileges = item[item.index(after: equals)..<slash]
            guard privileges.contains("m") else { return item }
            var stripped = ""
            var afterMaintain = false  // its grant option `*` goes with it
            for letter in privileges {
                if letter == "m" || (letter == "*" && afterMaintain) {
                    afterMaintain = letter == "m"
                    continue
                }
                afterMaintain = false
                stripped.append(letter)
            }
            return stripped.isEmpty ? nil : item[...equals] + stripped + item[slash...]
        }
        return "{" + kept.joined(separator: ",") + "}"
    }

    /// This comparison with the differences `expected` accounts for moved to `announced`: an
    /// object listed there (by its `pg_describe_object` text or its key's `kind identity`), or
    /// one that belongs to such an object, may be missing or differ.
    public func excluding(_ expected: Set<String>, source: SchemaInventory, target: SchemaInventory) -> SchemaComparison {
        guard !expected.isEmpty else { return self }
        let objects = Dictionary(source.objects.map { ($0.key, $0) } + target.objects.map { ($0.key, $0) },
                                 uniquingKeysWith: { first, _ in first })
        func isExpected(_ key: InventoryKey) -> Bool {
            guard let object = objects[key] else { return false }
            return expected.contains(object.description) || expected.contains(key.description)
                || object.parent.map(expected.contains) == true
        }
        var result = self
        result.missing = missing.filter { !isExpected($0) }
        result.extra = extra.filter { !isExpected($0) }
        result.different = different.filter { !isExpected($0.object) }
        result.announced += (missing.filter(isExpected).map { "missing on the target (announced): \($0)" }
            + extra.filter(isExpected).map { "extra on the target (announced): \($0)" }
            + different.filter { isExpected($0.object) }.map { "different (announced): \($0.object)" })
        return result
    }

    /// For people: one line per difference, notes first, then a verdict.
    public var lines: [String] {
        var lines = notes.map { "note: \($0)" } + announced.map { "note: \($0)" }
        lines += missing.map { "missing on target: \($0)" }
        lines += extra.map { "extra on target:   \($0)" }
        for difference in different {
            lines.append("different:         \(difference.object)")
            for facet in difference.facets { lines += Self.describe(facet) }
        }
        lines.append(isEqual
            ? "schemas are equal"
            : "\(differenceCount) difference\(differenceCount == 1 ? "" : "s") (\(missing.count) missing, \(extra.count) extra, \(different.count) different)")
        return lines
    }

    /// A value on one line, long ones cut: the full text is in `--json`.
    private static func show(_ value: String?) -> String {
        guard let value else { return "(none)" }
        let flat = value.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n")
        return "«" + (flat.count > 200 ? flat.prefix(200) + "…" : flat) + "»"
    }

    /// One facet's difference for people: short values side by side; long ones as the lines
    /// that differ (`-` source, `+` target, the common lines around them left out), a long
    /// single line from a little before its first differing character.
    public static func describe(_ facet: FacetDifference) -> [String] {
        guard let source = facet.source, let target = facet.target, source.count > 200 || target.count > 200 else {
            return ["    \(facet.facet): source \(show(facet.source)), target \(show(facet.target))"]
        }
        var left = source.split(separator: "\n", omittingEmptySubsequences: false)[...]
        var right = target.split(separator: "\n", omittingEmptySubsequences: false)[...]
        var line = 1
        while let a = left.first, let b = right.first, a == b { left.removeFirst(); right.removeFirst(); line += 1 }
        while let a = left.last, let b = right.last, a == b { left.removeLast(); right.removeLast() }
        if left.count == 1, right.count == 1, let a = left.first, let b = right.first, a.count > 200 || b.count > 200 {
            let common = zip(a, b).prefix { $0 == $1 }.count
            let start = max(0, common - 40)
            func excerpt(_ text: Substring) -> String {
                let tail = text.dropFirst(start)
                return (start > 0 ? "…" : "") + (tail.count > 200 ? tail.prefix(200) + "…" : tail)
            }
            return ["    \(facet.facet) (line \(line), from character \(start + 1)):",
                    "      - \(excerpt(a))", "      + \(excerpt(b))"]
        }
        return ["    \(facet.facet) (from line \(line)):"] + left.map { "      - \($0)" } + right.map { "      + \($0)" }
    }

    /// One line that names the differences (the first `limit` of them), for an error message.
    public func summary(limit: Int = 20) -> String {
        let items = missing.map { "missing \($0)" } + extra.map { "extra \($0)" }
            + different.map { "different \($0.object) (\($0.facets.map(\.facet).joined(separator: ", ")))" }
        let shown = items.prefix(limit).joined(separator: "; ")
        return items.count > limit ? shown + "; and \(items.count - limit) more" : shown
    }
}
