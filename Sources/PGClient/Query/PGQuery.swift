import Foundation

/// A statement and its parameters, built by string interpolation: every interpolated value
/// becomes the next `$n` with its type, a `PGQuery` interpolated into another brings its text
/// and values along, and only `\(unescaped: …)` puts text into the SQL as it is.
///
///     try await connection.query("SELECT relname FROM pg_class WHERE relnamespace = \(oid) AND relname = ANY(\(names))")
///
/// runs `… relnamespace = $1 AND relname = ANY($2)` with `$1` an `oid` and `$2` a `text[]`
/// (postgres-nio's `PostgresQuery` is the model).
public struct PGQuery: Sendable, Hashable, ExpressibleByStringInterpolation {
    enum Part: Sendable, Hashable {
        case sql(String)
        case bind(PGBind)
    }

    var parts: [Part]

    /// A query whose text is `sql` as it is: the caller vouches that nothing in it came from a
    /// user unquoted.
    public init(unescaped sql: String) {
        parts = [.sql(sql)]
    }

    public init(stringLiteral value: String) {
        self.init(unescaped: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
    }

    /// The text, with `$1…$n` where values were interpolated, numbered in order.
    public var sql: String {
        var count = 0
        return parts.map { part in
            switch part {
            case .sql(let text): return text
            case .bind: count += 1; return "$\(count)"
            }
        }.joined()
    }

    public var binds: [PGBind] {
        parts.compactMap { if case .bind(let bind) = $0 { bind } else { nil } }
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            parts.reserveCapacity(2 * interpolationCount + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            parts.append(.sql(literal))
        }

        /// The value as the next parameter.
        public mutating func appendInterpolation<Value: PGTextEncodable>(_ value: Value) {
            parts.append(.bind(PGBind(type: Value.pgType.oid, text: value.pgText)))
        }

        /// The value as the next parameter; nil is SQL NULL of the value's type.
        public mutating func appendInterpolation<Value: PGTextEncodable>(_ value: Value?) {
            parts.append(.bind(PGBind(type: Value.pgType.oid, text: value?.pgText)))
        }

        /// A fragment built the same way: its text, and its values as parameters of this query.
        public mutating func appendInterpolation(_ fragment: PGQuery) {
            parts += fragment.parts
        }

        /// SQL text as it is: an identifier already quoted, a keyword, a fragment built here.
        public mutating func appendInterpolation(unescaped sql: String) {
            parts.append(.sql(sql))
        }
    }
}

extension Array where Element == PGQuery {
    /// The fragments one after the other, `separator` between them.
    public func joined(separator: String) -> PGQuery {
        var interpolation = PGQuery.StringInterpolation(literalCapacity: 0, interpolationCount: 0)
        for (index, fragment) in enumerated() {
            if index > 0 { interpolation.appendLiteral(separator) }
            interpolation.appendInterpolation(fragment)
        }
        return PGQuery(stringInterpolation: interpolation)
    }
}

/// One parameter: its type's oid and its value in text format (nil is SQL NULL).
public struct PGBind: Sendable, Hashable {
    public var type: UInt32
    public var text: String?
}

/// A built-in type by its oid, fixed in every PostgreSQL version (`pg_type.dat`), and the oid
/// of its one-dimensional array type.
public struct PGType: Sendable, Hashable {
    public let oid: UInt32
    public let arrayOID: UInt32

    public static let bool = PGType(oid: 16, arrayOID: 1000)
    public static let int8 = PGType(oid: 20, arrayOID: 1016)
    public static let int4 = PGType(oid: 23, arrayOID: 1007)
    public static let text = PGType(oid: 25, arrayOID: 1009)
    public static let oid = PGType(oid: 26, arrayOID: 1028)
}

/// A Swift type that is sent as a parameter in text format: the type's input form.
public protocol PGTextEncodable: Sendable {
    static var pgType: PGType { get }
    var pgText: String { get }
}

extension String: PGTextEncodable {
    public static var pgType: PGType { .text }
    public var pgText: String { self }
}

/// Integers send their decimal text.
extension PGTextEncodable where Self: FixedWidthInteger {
    public var pgText: String { String(self) }
}

extension Int: PGTextEncodable {
    public static var pgType: PGType { .int8 }
}

extension Int64: PGTextEncodable {
    public static var pgType: PGType { .int8 }
}

extension Int32: PGTextEncodable {
    public static var pgType: PGType { .int4 }
}

extension UInt32: PGTextEncodable {
    public static var pgType: PGType { .oid }
}

extension Bool: PGTextEncodable {
    public static var pgType: PGType { .bool }
    public var pgText: String { self ? "t" : "f" }
}

/// A one-dimensional array of a built-in type: `{"a","b \"c\""}`, every element quoted.
extension Array: PGTextEncodable where Element: PGTextEncodable {
    public static var pgType: PGType { PGType(oid: Element.pgType.arrayOID, arrayOID: 0) }
    public var pgText: String {
        "{" + map { "\"" + $0.pgText.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
