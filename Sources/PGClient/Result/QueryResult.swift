/// The rows of a finished query, copied out of the `PGresult` so they outlive it.
///
/// Values are in text format; `nil` is SQL NULL.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    /// The command tag, e.g. `INSERT 0 3` or `COPY 120`.
    public let commandTag: String

    /// One row. Its typed accessors throw, naming the column, the value and the type expected,
    /// when the column is missing, when it is NULL and the accessor is not an optional one, and
    /// when the text is not a value of the type: a wrong query never becomes a silent 0 or "".
    public struct Row: Sendable {
        let columns: [String]
        public let values: [String?]

        public subscript(index: Int) -> String? { values[index] }

        /// The value of `column` as `T`; NULL throws.
        public func decode<T: PGTextDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
            guard let text = try text(column) else { throw mismatch(column, nil, T.self) }
            guard let value = T(pgText: text) else { throw mismatch(column, text, T.self) }
            return value
        }

        /// The value of `column` as `T`, or nil for NULL.
        public func decode<T: PGTextDecodable>(_ column: String, as type: T?.Type) throws -> T? {
            guard let text = try text(column) else { return nil }
            guard let value = T(pgText: text) else { throw mismatch(column, text, T.self) }
            return value
        }

        public func string(_ column: String) throws -> String { try decode(column) }
        public func optionalString(_ column: String) throws -> String? { try decode(column, as: String?.self) }
        public func int(_ column: String) throws -> Int { try decode(column) }
        public func optionalInt(_ column: String) throws -> Int? { try decode(column, as: Int?.self) }
        public func int64(_ column: String) throws -> Int64 { try decode(column) }
        /// An `oid` (or any unsigned 32-bit) value.
        public func oid(_ column: String) throws -> UInt32 { try decode(column) }
        /// A `boolean`: only `t` or `f`.
        public func bool(_ column: String) throws -> Bool { try decode(column) }
        /// A one-dimensional `text[]` value (`{a,"b c"}`), decoded.
        public func array(_ column: String) throws -> [String] { try decode(column) }
        /// A one-dimensional `text[]` value, or nil for NULL.
        public func optionalArray(_ column: String) throws -> [String]? { try decode(column, as: [String]?.self) }

        /// The raw text of `column`, nil for NULL.
        private func text(_ column: String) throws -> String? {
            guard let index = columns.firstIndex(of: column) else {
                throw PGError(code: .protocolViolation, message: "the result has no column \"\(column)\"; its columns: "
                    + (columns.isEmpty ? "none" : columns.map { "\"\($0)\"" }.joined(separator: ", ")))
            }
            return values[index]
        }

        private func mismatch(_ column: String, _ text: String?, _ type: any PGTextDecodable.Type) -> PGError {
            let value = text.map { "\"\($0.count > 64 ? String($0.prefix(64)) + "…" : $0)\"" } ?? "NULL"
            return PGError(code: .protocolViolation, message: "column \"\(column)\" holds \(value), expected \(type.pgTypeDescription)")
        }
    }

    /// The number from the command tag (`COPY 120` → 120, `INSERT 0 3` → 3), if any.
    public var affectedRows: Int? {
        commandTag.split(separator: " ").last.flatMap { Int($0) }
    }
}

/// A Swift type that a PostgreSQL value in text format decodes into.
public protocol PGTextDecodable {
    /// nil when `text` is not a value of this type.
    init?(pgText text: String)
    /// What the type accepts, for errors: "an integer (Int64)".
    static var pgTypeDescription: String { get }
}

extension String: PGTextDecodable {
    public init?(pgText text: String) { self = text }
    public static var pgTypeDescription: String { "text" }
}

/// Integers parse their decimal text; out of range is unparseable, never wrapped.
extension PGTextDecodable where Self: FixedWidthInteger {
    public init?(pgText text: String) { self.init(text) }
}

extension Int: PGTextDecodable {
    public static var pgTypeDescription: String { "an integer (Int)" }
}

extension Int64: PGTextDecodable {
    public static var pgTypeDescription: String { "an integer (Int64)" }
}

extension Int32: PGTextDecodable {
    public static var pgTypeDescription: String { "an integer (Int32)" }
}

extension UInt32: PGTextDecodable {
    public static var pgTypeDescription: String { "an oid (0…4294967295)" }
}

extension Bool: PGTextDecodable {
    public init?(pgText text: String) {
        switch text {
        case "t": self = true
        case "f": self = false
        default: return nil
        }
    }
    public static var pgTypeDescription: String { "a boolean (t or f)" }
}

extension Array: PGTextDecodable where Element == String {
    public init?(pgText text: String) {
        guard let items = PostgresArray.parse(text) else { return nil }
        self = items
    }
    public static var pgTypeDescription: String { "a one-dimensional text array without NULL elements ({a,\"b c\"})" }
}

/// Decoding of one-dimensional text-format arrays.
public enum PostgresArray {
    /// The elements of `{a,"b c"}`; nil when `text` is not such an array or holds a NULL element
    /// (an unquoted `NULL`), which `[String]` cannot represent.
    public static func parse(_ text: String) -> [String]? {
        guard text.hasPrefix("{"), text.hasSuffix("}"), text.count >= 2 else { return nil }
        var items: [String] = []
        var current = ""
        var quoted = false
        var inQuotes = false
        var escaped = false
        func endItem() -> Bool {
            if !quoted && current == "NULL" { return false }
            items.append(current)
            current = ""
            quoted = false
            return true
        }
        for character in text.dropFirst().dropLast() {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
                quoted = true
            } else if character == "," && !inQuotes {
                guard endItem() else { return nil }
            } else if character == "{" && !inQuotes {
                return nil  // a nested (multi-dimensional) array
            } else {
                current.append(character)
            }
        }
        guard !inQuotes, !escaped else { return nil }
        if !current.isEmpty || quoted || !items.isEmpty {
            guard endItem() else { return nil }
        }
        return items
    }
}
