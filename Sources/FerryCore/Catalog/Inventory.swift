/// Every object of the migrated schemas, as the source catalog lists it: each row of `pg_class`,
/// `pg_type`, `pg_proc`, `pg_constraint`, `pg_trigger`, `pg_rewrite`, `pg_policy`,
/// `pg_statistic_ext`, `pg_opclass`, `pg_opfamily`, `pg_ts_*`, `pg_conversion`, `pg_collation`,
/// `pg_operator` that belongs to them, and the casts and transforms their types and functions
/// take part in. What an extension owns (its members and their parts) and parts created along
/// with another object (an array type, a key's index, a view's `_RETURN` rule…) are left out:
/// they come with their owner.
///
/// What is not migrated is this inventory minus what the reader recreated, so a kind the reader
/// does not know shows up in the not-migrated list by construction, never nowhere.
public struct SchemaObject: Sendable, Hashable {
    public enum Identity: Sendable, Hashable {
        /// A catalog row by OID, folded onto what pgferry creates (an array type onto its element…).
        case key(catalog: String, oid: UInt32)
        /// A constraint, trigger, rule or policy: known by its name on its table or domain.
        case member(catalog: String, of: QualifiedName, name: String)
        /// Extended statistics, whose model carries no OID.
        case named(catalog: String, QualifiedName)
    }

    public var identity: Identity
    /// The bare name, for objects that SQL names in a schema (a function body may name them).
    public var name: String?
    /// `pg_describe_object`: `text search configuration s.c`, `foreign table s.f`…
    public var label: String

    public init(identity: Identity, name: String? = nil, label: String) {
        self.identity = identity
        self.name = name
        self.label = label
    }
}

/// A dependency from inside what pgferry recreates to an object of the schema.
public struct SchemaDependency: Sendable, Hashable {
    /// What pgferry would create the dependent object with: its table, its function…
    public var owner: SchemaObject.Identity
    /// The dependent object itself, for people (`index s.i`, `default value for column c of table s.t`).
    public var objectLabel: String
    public var referenced: SchemaObject.Identity

    public init(owner: SchemaObject.Identity, objectLabel: String, referenced: SchemaObject.Identity) {
        self.owner = owner
        self.objectLabel = objectLabel
        self.referenced = referenced
    }
}

/// An object pgferry recreates that needs one it does not: the run is refused before the target
/// is touched, instead of failing halfway with the target schema already dropped.
public struct BlockedObject: Sendable, Hashable, CustomStringConvertible {
    public var object: String
    public var needs: String
    /// How the need was seen: `pg_depend`, or the name in a function's body.
    public var seenInBody: Bool

    public init(object: String, needs: String, seenInBody: Bool = false) {
        self.object = object
        self.needs = needs
        self.seenInBody = seenInBody
    }

    public var description: String {
        "\(object) \(seenInBody ? "names" : "depends on") \(needs), which pgferry does not recreate"
    }
}

extension ObjectKey {
    public var identity: SchemaObject.Identity { .key(catalog: objectClass.rawValue, oid: oid) }
}

extension SchemaCatalog {
    /// Everything the DDL recreates, in the inventory's terms; `preData` holds the keys of the
    /// objects pre-data creates (the reader's `objectKeys`).
    public func recreatedObjects(preData: Set<ObjectKey>) -> Set<SchemaObject.Identity> {
        var recreated = Set(preData.map(\.identity))
        recreated.formUnion(indexes.map { .key(catalog: ObjectKey.Class.relation.rawValue, oid: $0.oid) })
        recreated.formUnion(constraints.map { .member(catalog: "pg_constraint", of: $0.table, name: $0.name) })
        recreated.formUnion(triggers.map { .member(catalog: "pg_trigger", of: $0.table, name: $0.name) })
        recreated.formUnion(rules.map { .member(catalog: "pg_rewrite", of: $0.table, name: $0.name) })
        recreated.formUnion(policies.map { .member(catalog: "pg_policy", of: $0.table, name: $0.name) })
        recreated.formUnion(statistics.map { .named(catalog: "pg_statistic_ext", $0.name) })
        return recreated
    }

    /// The inventory's objects that the DDL does not recreate.
    public func notRecreated(in inventory: [SchemaObject], preData: Set<ObjectKey>) -> [SchemaObject] {
        let recreated = recreatedObjects(preData: preData)
        return inventory.filter { !recreated.contains($0.identity) }
    }

    /// Recreated objects that depend on one that is not: by `pg_depend`, or, for a function whose
    /// body is a string (`pg_depend` does not look inside), by a not-recreated object's name
    /// appearing in that body as a whole identifier, any case. The name rule errs on the side of
    /// refusing (a name in a comment counts); it cannot see a name assembled at run time.
    public func blocked(inventory: [SchemaObject], dependencies: [SchemaDependency],
                        preData: Set<ObjectKey>) -> [BlockedObject] {
        let recreated = recreatedObjects(preData: preData)
        var missing: [SchemaObject.Identity: SchemaObject] = [:]
        for object in inventory where !recreated.contains(object.identity) { missing[object.identity] = object }
        var blocked: [BlockedObject] = []
        for dependency in dependencies where recreated.contains(dependency.owner) {
            guard let needed = missing[dependency.referenced] else { continue }
            blocked.append(BlockedObject(object: dependency.objectLabel, needs: needed.label))
        }
        let named = missing.values.filter { $0.name != nil }.sorted { $0.label < $1.label }
        for function in functions where !function.sqlStandardBody {
            let body = function.definition.lowercased()
            for object in named where body.containsIdentifier(object.name!.lowercased()) {
                blocked.append(BlockedObject(object: "function \(function.name)(\(function.identityArguments))",
                                             needs: object.label, seenInBody: true))
            }
        }
        var seen = Set<BlockedObject>()
        return blocked.filter { seen.insert($0).inserted }
    }
}

extension String {
    /// True when `identifier` occurs with no identifier character right before or after it.
    func containsIdentifier(_ identifier: String) -> Bool {
        guard !identifier.isEmpty else { return false }
        func isIdentifierCharacter(_ character: Character?) -> Bool {
            guard let character else { return false }
            return character.isLetter || character.isNumber || character == "_" || character == "$"
        }
        var searchStart = startIndex
        while let found = self[searchStart...].firstRange(of: identifier) {
            let before = found.lowerBound == startIndex ? nil : self[index(before: found.lowerBound)]
            let after = found.upperBound == endIndex ? nil : self[found.upperBound]
            if !isIdentifierCharacter(before) && !isIdentifierCharacter(after) { return true }
            searchStart = index(after: found.lowerBound)
        }
        return false
    }
}
