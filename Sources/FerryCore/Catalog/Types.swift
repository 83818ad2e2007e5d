/// A type defined in the schema: enum, composite, domain, range, base or shell.
public struct UserType: Sendable, Equatable {
    public enum Definition: Sendable, Equatable {
        /// Labels in sort order.
        case enumeration([String])
        /// Attributes: name, `format_type`, optional `COLLATE` target.
        case composite([Attribute])
        /// Base type, collation, default, NOT NULL; its CHECKs are `Constraint`s with `onDomain`.
        case domain(base: String, collation: String?, defaultExpression: String?, notNull: Bool)
        /// `subtype = …` and the other options.
        case range([String])
        /// `INPUT = …`, `OUTPUT = …` and the other options of `CREATE TYPE s.t (…)`; created as a
        /// shell first, so its I/O functions can name it.
        case base([String])
        /// `CREATE TYPE s.t;` alone: a shell never completed.
        case shell
    }

    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var type: String
        public var collation: String?
        public var comment: String?
        public init(name: String, type: String, collation: String? = nil, comment: String? = nil) {
            self.name = name
            self.type = type
            self.collation = collation
            self.comment = comment
        }
    }

    public var oid: UInt32
    public var name: QualifiedName
    public var definition: Definition
    public var comment: String?
    public var ownership: Ownership?

    public init(oid: UInt32, name: QualifiedName, definition: Definition, comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.name = name
        self.definition = definition
        self.comment = comment
        self.ownership = ownership
    }

    public var isBase: Bool {
        if case .base = definition { return true }
        return false
    }

    /// `TYPE s.t` or `DOMAIN s.d`, for COMMENT/ALTER/GRANT.
    public var signature: String {
        if case .domain = definition { return "DOMAIN \(name.sql)" }
        return "TYPE \(name.sql)"
    }
}

public struct Collation: Sendable, Equatable {
    public var oid: UInt32
    public var name: QualifiedName
    /// `provider = icu`, `locale = '…'`, `deterministic = false`…
    public var options: [String]
    public var comment: String?
    public var ownership: Ownership?

    public init(oid: UInt32, name: QualifiedName, options: [String], comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.name = name
        self.options = options
        self.comment = comment
        self.ownership = ownership
    }
}
