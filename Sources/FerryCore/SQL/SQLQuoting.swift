import Foundation

/// Quoting of identifiers and literals for SQL that pgferry prints.
///
/// Identifiers follow `quote_ident`: left bare only when lower-case, not a keyword and made of
/// letters, digits and underscores; otherwise double-quoted with `"` doubled. Literals assume
/// `standard_conforming_strings = on`, which pgferry sets on every session.
public enum SQL {
    public static func identifier(_ name: String) -> String {
        if isBare(name) { return name }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// An identifier as pgferry prints it to people (messages, notes, the live table): as
    /// `identifier` quotes it, and so pastable into SQL; a name holding a control character (a
    /// newline…) as a Unicode escape identifier, `U&"dq\000Aname"`, so it stays on its line.
    public static func display(_ name: String) -> String {
        guard name.unicodeScalars.contains(where: isControl) else { return identifier(name) }
        var escaped = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\"\""
            case _ where isControl(scalar): escaped += "\\" + hex(scalar.value, digits: 4)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "U&\"" + escaped + "\""
    }

    /// C0 and C1 control characters and DEL.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// `schema.name`, each part quoted.
    public static func qualified(_ schema: String, _ name: String) -> String {
        identifier(schema) + "." + identifier(name)
    }

    public static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A comma-separated list of quoted identifiers.
    public static func identifierList(_ names: [String]) -> String {
        names.map(identifier).joined(separator: ", ")
    }

    static func isBare(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || ("a"..."z").contains(first) else { return false }
        let plain = name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return plain && !keywords.contains(name)
    }

    /// PostgreSQL keywords that are not UNRESERVED (reserved, type/function-name and column-name
    /// keywords): `quote_ident` quotes these.
    static let keywords: Set<String> = [
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between",
        "bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character", "check", "coalesce",
        "collate", "collation", "column", "concurrently", "constraint", "create", "cross", "current_catalog",
        "current_date", "current_role", "current_schema", "current_time", "current_timestamp", "current_user",
        "dec", "decimal", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists",
        "extract", "false", "fetch", "float", "for", "foreign", "freeze", "from", "full", "grant", "greatest",
        "group", "grouping", "having", "ilike", "in", "initially", "inner", "inout", "int", "integer", "intersect",
        "interval", "into", "is", "isnull", "join", "json", "json_array", "json_arrayagg", "json_exists",
        "json_object", "json_objectagg", "json_query", "json_scalar", "json_serialize", "json_table",
        "json_value", "lateral", "leading", "least", "left", "like", "limit", "localtime", "localtimestamp",
        "merge_action", "national", "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif",
        "numeric", "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing",
        "position", "precision", "primary", "real", "references", "returning", "right", "row", "select",
        "session_user", "setof", "similar", "smallint", "some", "substring", "symmetric", "system_user", "table",
        "tablesample", "then", "time", "timestamp", "to", "trailing", "treat", "trim", "true", "union", "unique",
        "user", "using", "values", "varchar", "variadic", "verbose", "when", "where", "window", "with",
        "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse",
        "xmlpi", "xmlroot", "xmlserialize", "xmltable",
    ]
}
