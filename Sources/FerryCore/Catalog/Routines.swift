public struct Function: Sendable, Equatable {
    public var oid: UInt32 = 0
    public enum Kind: String, Sendable { case function = "f", procedure = "p", window = "w" }
    public var name: QualifiedName
    /// `pg_get_function_identity_arguments`, for COMMENT/GRANT/ALTER.
    public var identityArguments: String
    public var kind: Kind
    /// `pg_get_functiondef`: a complete `CREATE OR REPLACE …` without the final semicolon.
    public var definition: String
    /// A SQL-standard body (`BEGIN ATOMIC` or `RETURN`, PG 14+), parsed at creation.
    public var sqlStandardBody = false
    /// For `LANGUAGE c` and `internal`: the compiled code the target must be able to load.
    public var nativeCode: NativeCode?
    public var comment: String?
    public var ownership: Ownership?

    public init(name: QualifiedName, identityArguments: String, kind: Kind = .function, definition: String,
                comment: String? = nil, ownership: Ownership? = nil) {
        self.name = name
        self.identityArguments = identityArguments
        self.kind = kind
        self.definition = definition
        self.comment = comment
        self.ownership = ownership
    }

    /// `FUNCTION s.f(args)` or `PROCEDURE s.p(args)`.
    public var signature: String {
        "\(kind == .procedure ? "PROCEDURE" : "FUNCTION") \(name.sql)(\(identityArguments))"
    }
}


/// An aggregate: `CREATE AGGREGATE s.a (args) (SFUNC = …, STYPE = …, …)`.
public struct Aggregate: Sendable, Equatable {
    public var oid: UInt32
    public var name: QualifiedName
    /// `pg_get_function_arguments`, `*` for none.
    public var arguments: String
    public var identityArguments: String
    /// `SFUNC = …`, `STYPE = …` and the other options, in pg_dump's order.
    public var options: [String]
    public var comment: String?
    public var ownership: Ownership?

    public init(oid: UInt32, name: QualifiedName, arguments: String, identityArguments: String, options: [String],
                comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.name = name
        self.arguments = arguments
        self.identityArguments = identityArguments
        self.options = options
        self.comment = comment
        self.ownership = ownership
    }

    public var signature: String { "AGGREGATE \(name.sql)(\(identityArguments.isEmpty ? "*" : identityArguments))" }
}

/// An operator: `CREATE OPERATOR s.op (FUNCTION = …, LEFTARG = …, …)`.
public struct Operator: Sendable, Equatable {
    public var oid: UInt32
    public var schema: String
    public var name: String
    public var leftType: String?
    public var rightType: String?
    public var options: [String]
    public var comment: String?
    public var ownership: Ownership?

    public init(oid: UInt32, schema: String, name: String, leftType: String?, rightType: String?, options: [String],
                comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.schema = schema
        self.name = name
        self.leftType = leftType
        self.rightType = rightType
        self.options = options
        self.comment = comment
        self.ownership = ownership
    }

    /// `OPERATOR s.op (lt, rt)`, for COMMENT and ALTER.
    public var signature: String {
        "OPERATOR \(SQL.identifier(schema)).\(name) (\(leftType ?? "NONE"), \(rightType ?? "NONE"))"
    }
}

/// The compiled code behind a `LANGUAGE c` or `internal` function: `AS 'library', 'symbol'`, or
/// `AS 'symbol'` for a function built into the server.
public struct NativeCode: Hashable, Sendable, CustomStringConvertible {
    /// `c` or `internal`.
    public var language: String
    /// `probin`, e.g. `$libdir/hstore`; nil for `internal`.
    public var library: String?
    public var symbol: String

    public init(language: String, library: String?, symbol: String) {
        self.language = language
        self.library = library
        self.symbol = symbol
    }

    public var description: String {
        library.map { "library \($0) (symbol \(symbol))" } ?? "built-in function \(symbol)"
    }
}
