/// Base types: the options of `CREATE TYPE s.t (INPUT = …, …)`, as pg_dump's dumpBaseType
/// prints them (catalog-ddl.md §1.3).
extension CatalogReader {
    /// True when the `pg_type` row `alias` is the array type of its element (created with it);
    /// a base type declared with an ELEMENT is not one.
    static func isArrayType(_ alias: String) -> String {
        """
        (\(alias).typelem <> 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.oid = \(alias).typelem AND e.typarray = \(alias).oid))
        """
    }

    static let alignmentNames = ["c": "char", "s": "int2", "i": "int4", "d": "double"]
    static let typeStorageNames = ["p": "plain", "e": "external", "x": "extended", "m": "main"]

    /// Options per base type OID among `oids`.
    func readBaseTypeOptions(oids: [UInt32]) async throws -> [UInt32: [String]] {
        let subscriptHandler = version >= 140000 ? "NULLIF(t.typsubscript, 0)::pg_catalog.regproc::text" : "NULL"
        let rows = try await connection.query("""
            SELECT t.oid, t.typlen, t.typinput::pg_catalog.regproc::text AS input, t.typoutput::pg_catalog.regproc::text AS output,
                   NULLIF(t.typreceive, 0)::pg_catalog.regproc::text AS receive, NULLIF(t.typsend, 0)::pg_catalog.regproc::text AS send,
                   NULLIF(t.typmodin, 0)::pg_catalog.regproc::text AS typmod_in,
                   NULLIF(t.typmodout, 0)::pg_catalog.regproc::text AS typmod_out,
                   NULLIF(t.typanalyze, 0)::pg_catalog.regproc::text AS analyze, \(unescaped: subscriptHandler) AS subscript,
                   t.typcollation <> 0 AS collatable, t.typdefault,
                   CASE WHEN t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END AS element,
                   t.typcategory::text AS category, t.typispreferred, t.typdelim::text AS delimiter,
                   t.typalign::text AS alignment, t.typstorage::text AS storage, t.typbyval
            FROM pg_catalog.pg_type t WHERE t.oid = ANY(\(oids)) AND t.typtype = 'b'
            """).rows
        var options: [UInt32: [String]] = [:]
        for row in rows {
            let length = try row.int("typlen")
            var list = try ["INTERNALLENGTH = \(length == -1 ? "variable" : String(length))",
                            "INPUT = \(row.string("input"))", "OUTPUT = \(row.string("output"))"]
            for (option, column) in [("RECEIVE", "receive"), ("SEND", "send"), ("TYPMOD_IN", "typmod_in"),
                                     ("TYPMOD_OUT", "typmod_out"), ("ANALYZE", "analyze"), ("SUBSCRIPT", "subscript")] {
                if let function = try row.optionalString(column) { list.append("\(option) = \(function)") }
            }
            if try row.bool("collatable") { list.append("COLLATABLE = true") }
            if let defaultValue = try row.optionalString("typdefault") { list.append("DEFAULT = \(SQL.literal(defaultValue))") }
            if let element = try row.optionalString("element") { list.append("ELEMENT = \(element)") }
            let category = try row.string("category")
            if category != "U" { list.append("CATEGORY = \(SQL.literal(category))") }
            if try row.bool("typispreferred") { list.append("PREFERRED = true") }
            let delimiter = try row.string("delimiter")
            if delimiter != "," { list.append("DELIMITER = \(SQL.literal(delimiter))") }
            if let alignment = try Self.alignmentNames[row.string("alignment")] { list.append("ALIGNMENT = \(alignment)") }
            if let storage = try Self.typeStorageNames[row.string("storage")] { list.append("STORAGE = \(storage)") }
            if try row.bool("typbyval") { list.append("PASSEDBYVALUE") }
            options[try row.oid("oid")] = list
        }
        return options
    }
}
