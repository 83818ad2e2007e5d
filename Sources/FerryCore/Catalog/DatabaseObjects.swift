/// A cast: database-wide, and left out by `pg_dump -n` (selectDumpableCast dumps user casts only
/// with the whole database). pgferry recreates the casts whose function or source or target
/// type belongs to a migrated schema: dropping the schema on the target drops them with it.
public struct Cast: Sendable, Equatable {
    public enum Method: Sendable, Equatable {
        /// `WITH FUNCTION s.f(args)`, as `regprocedure` prints it.
        case function(String)
        case inOut
        case binaryCoercible
    }

    public var oid: UInt32
    /// `format_type` of the source and target types.
    public var source: String
    public var target: String
    public var method: Method
    /// `ASSIGNMENT`, `IMPLICIT`, or nil for an explicit cast.
    public var context: String?
    public var comment: String?

    public init(oid: UInt32, source: String, target: String, method: Method, context: String?, comment: String? = nil) {
        self.oid = oid
        self.source = source
        self.target = target
        self.method = method
        self.context = context
        self.comment = comment
    }

    /// `CAST (a AS b)`, for COMMENT.
    public var signature: String { "CAST (\(source) AS \(target))" }
}

/// A transform: database-wide like a cast, and recreated on the same rule (its functions or its
/// type belong to a migrated schema).
public struct Transform: Sendable, Equatable {
    public var oid: UInt32
    /// `format_type` of the type.
    public var type: String
    public var language: String
    /// `regprocedure` of the FROM SQL and TO SQL functions.
    public var fromSQL: String?
    public var toSQL: String?
    public var comment: String?

    public init(oid: UInt32, type: String, language: String, fromSQL: String?, toSQL: String?, comment: String? = nil) {
        self.oid = oid
        self.type = type
        self.language = language
        self.fromSQL = fromSQL
        self.toSQL = toSQL
        self.comment = comment
    }

    /// `TRANSFORM FOR t LANGUAGE l`, for COMMENT.
    public var signature: String { "TRANSFORM FOR \(type) LANGUAGE \(SQL.identifier(language))" }
}

/// An encoding conversion of the schema: `CREATE [DEFAULT] CONVERSION s.c FOR 'A' TO 'B' FROM f`.
public struct Conversion: Sendable, Equatable {
    public var oid: UInt32
    public var name: QualifiedName
    public var sourceEncoding: String
    public var targetEncoding: String
    /// `regproc` of the conversion function.
    public var function: String
    public var isDefault: Bool
    public var comment: String?
    public var ownership: Ownership?

    public init(oid: UInt32, name: QualifiedName, sourceEncoding: String, targetEncoding: String, function: String,
                isDefault: Bool, comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.name = name
        self.sourceEncoding = sourceEncoding
        self.targetEncoding = targetEncoding
        self.function = function
        self.isDefault = isDefault
        self.comment = comment
        self.ownership = ownership
    }
}

/// A user mapping of a foreign server that a foreign table of the schema uses: a database object
/// like the server, which the target must hold for the table to be read there.
public struct UserMapping: Hashable, Sendable, CustomStringConvertible {
    public var server: String
    /// A role name, or `public`.
    public var user: String

    public init(server: String, user: String) {
        self.server = server
        self.user = user
    }

    public var description: String { "user mapping for \(user) on server \(server)" }
}
