/// The rows of a finished query, copied out of the `PGresult` so they outlive it.
///
/// Values are in text format; `nil` is SQL NULL.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    /// The command tag, e.g. `INSERT 0 3` or `COPY 120`.
    public let commandTag: String

    public struct Row: Sendable {
        let columns: [String]
        public let values: [String?]

        public subscript(index: Int) -> String? { values[index] }

        public subscript(column: String) -> String? {
            guard let index = columns.firstIndex(of: column) else {
                preconditionFailure("no column \(column) in \(columns)")
            }
            return values[index]
        }

        public func string(_ column: String) -> String { self[column] ?? "" }
        public func int(_ column: String) -> Int { Int(self[column] ?? "") ?? 0 }
        public func int64(_ column: String) -> Int64 { Int64(self[column] ?? "") ?? 0 }
        public func bool(_ column: String) -> Bool { self[column] == "t" }
        /// A `text[]` value (`{a,"b c"}`), decoded.
        public func array(_ column: String) -> [String] { PostgresArray.parse(self[column]) }
    }

    /// The number from the command tag (`COPY 120` → 120, `INSERT 0 3` → 3), if any.
    public var affectedRows: Int? {
        commandTag.split(separator: " ").last.flatMap { Int($0) }
    }
}

/// Decoding of one-dimensional text-format arrays.
public enum PostgresArray {
    public static func parse(_ text: String?) -> [String] {
        guard let text, text.hasPrefix("{"), text.hasSuffix("}") else { return [] }
        var items: [String] = []
        var current = ""
        var quoted = false
        var inQuotes = false
        var escaped = false
        for character in text.dropFirst().dropLast() {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && inQuotes {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
                quoted = true
            } else if character == "," && !inQuotes {
                items.append(current)
                current = ""
                quoted = false
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty || quoted || !items.isEmpty { items.append(current) }
        return items
    }
}
