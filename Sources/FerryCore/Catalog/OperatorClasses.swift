/// An operator family, or an operator class (a family member with a type and a default flag),
/// with the operators and support functions bound to it (catalog-ddl.md §1.4).
public struct OperatorClass: Sendable, Equatable {
    public enum Kind: String, Sendable { case family = "FAMILY", opclass = "CLASS" }

    /// What a class's `FOR TYPE … FAMILY …` clause says.
    public struct ClassHead: Sendable, Equatable {
        public var isDefault: Bool
        /// `format_type` of `opcintype`.
        public var type: String
        public var family: QualifiedName
        /// `format_type` of `opckeytype`, when it has one.
        public var storage: String?
        public init(isDefault: Bool, type: String, family: QualifiedName, storage: String? = nil) {
            self.isDefault = isDefault
            self.type = type
            self.family = family
            self.storage = storage
        }
    }

    public var oid: UInt32
    public var kind: Kind
    public var name: QualifiedName
    public var accessMethod: String
    /// Set for classes only.
    public var head: ClassHead?
    /// `OPERATOR 1 s.<(s.t,s.t)`, `FUNCTION 1 (s.t, s.t) s.cmp(s.t,s.t)`: a class's own members,
    /// or a family's loose ones (`ALTER OPERATOR FAMILY … ADD`).
    public var members: [String]
    public var comment: String?
    public var ownership: Ownership?

    public init(oid: UInt32, kind: Kind, name: QualifiedName, accessMethod: String, head: ClassHead? = nil,
                members: [String] = [], comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.kind = kind
        self.name = name
        self.accessMethod = accessMethod
        self.head = head
        self.members = members
        self.comment = comment
        self.ownership = ownership
    }

    /// `OPERATOR CLASS s.c USING btree`, for COMMENT and ALTER.
    public var signature: String { "OPERATOR \(kind.rawValue) \(name.sql) USING \(SQL.identifier(accessMethod))" }

    public var objectClass: ObjectKey.Class { kind == .family ? .operatorFamily : .operatorClass }
}
