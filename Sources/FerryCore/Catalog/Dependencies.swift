/// A catalog object, as `pg_depend` names it: which catalog and which OID.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public enum Class: String, Sendable {
        case relation = "pg_class", type = "pg_type", function = "pg_proc", collation = "pg_collation",
             sqlOperator = "pg_operator", cast = "pg_cast", transform = "pg_transform", conversion = "pg_conversion",
             language = "pg_language"
        case operatorClass = "pg_opclass", operatorFamily = "pg_opfamily", textSearchParser = "pg_ts_parser",
             textSearchTemplate = "pg_ts_template", textSearchDictionary = "pg_ts_dict", textSearchConfiguration = "pg_ts_config"
    }
    public var objectClass: Class
    public var oid: UInt32
    public init(_ objectClass: Class, _ oid: UInt32) {
        self.objectClass = objectClass
        self.oid = oid
    }
    public var description: String { "\(objectClass.rawValue):\(oid)" }
}

/// `object` needs `referenced` to exist first.
public struct Dependency: Hashable, Sendable {
    public var object: ObjectKey
    public var referenced: ObjectKey
    public init(object: ObjectKey, referenced: ObjectKey) {
        self.object = object
        self.referenced = referenced
    }
}

/// Something outside the migrated schemas that the schema needs on the target (a type from an
/// extension, a function in `public`…), named as `pg_identify_object_as_address` names it.
public struct Prerequisite: Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var names: [String]
    public var arguments: [String]
    /// `pg_describe_object`, for people.
    public var label: String
    /// The extension it belongs to, if any.
    public var extensionName: String?

    public init(type: String, names: [String], arguments: [String], label: String, extensionName: String?) {
        self.type = type
        self.names = names
        self.arguments = arguments
        self.label = label
        self.extensionName = extensionName
    }

    public var description: String {
        extensionName.map { "\(label) (from extension \($0))" } ?? label
    }
}

extension SchemaCatalog {
    /// `dependencies` without the edges from a base type's support functions (I/O, typmod,
    /// analyze, subscript) to the type: the shell created first satisfies those, and the type
    /// itself needs the functions, so it comes after them.
    public var dependenciesAfterShellTypes: [Dependency] {
        let baseTypes = Set(types.filter(\.isBase).map { ObjectKey(.type, $0.oid) })
        let shellSatisfied = Set(dependencies.filter { baseTypes.contains($0.object) && $0.referenced.objectClass == .function }
            .map { Dependency(object: $0.referenced, referenced: $0.object) })
        return dependencies.filter { !shellSatisfied.contains($0) }
    }
}
