/// A text search parser, template, dictionary or configuration (catalog-ddl.md §1.4).
public struct TextSearchObject: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case parser = "PARSER", template = "TEMPLATE", dictionary = "DICTIONARY", configuration = "CONFIGURATION"

        /// The catalog holding this kind, as `pg_depend` names it.
        public var objectClass: ObjectKey.Class {
            switch self {
            case .parser: .textSearchParser
            case .template: .textSearchTemplate
            case .dictionary: .textSearchDictionary
            case .configuration: .textSearchConfiguration
            }
        }
    }

    /// One `ADD MAPPING FOR token WITH dict, …` of a configuration.
    public struct Mapping: Sendable, Equatable {
        public var tokenType: String
        /// `regdictionary` text, in `mapseqno` order.
        public var dictionaries: [String]
        public init(tokenType: String, dictionaries: [String]) {
            self.tokenType = tokenType
            self.dictionaries = dictionaries
        }
    }

    public var oid: UInt32
    public var kind: Kind
    public var name: QualifiedName
    /// `START = pg_catalog.prsd_start`, `TEMPLATE = s.t`, `stopwords = 'english'`…, in pg_dump's order.
    public var options: [String]
    /// A configuration's token mappings, in token type order.
    public var mappings: [Mapping] = []
    public var comment: String?
    /// Dictionaries and configurations have owners; parsers and templates do not.
    public var ownership: Ownership?

    public init(oid: UInt32, kind: Kind, name: QualifiedName, options: [String], mappings: [Mapping] = [],
                comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.kind = kind
        self.name = name
        self.options = options
        self.mappings = mappings
        self.comment = comment
        self.ownership = ownership
    }

    /// `TEXT SEARCH DICTIONARY s.d`, for CREATE, COMMENT and ALTER.
    public var signature: String { "TEXT SEARCH \(kind.rawValue) \(name.sql)" }
}
