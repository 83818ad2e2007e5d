/// Pre-data items for casts, transforms and conversions.
extension DDLRenderer {
    /// `replacing`: a whole-database move drops a cast an earlier run left (one of no migrated
    /// type or function survives the schemas' drop).
    func castItem(_ cast: Cast, replacing: Bool = false) -> PreDataItem {
        let object = "CAST (\(cast.source) AS \(cast.target))"
        var sql = "CREATE \(cast.signature) "
        switch cast.method {
        case .function(let function): sql += "WITH FUNCTION \(function)"
        case .inOut: sql += "WITH INOUT"
        case .binaryCoercible: sql += "WITHOUT FUNCTION"
        }
        if let context = cast.context { sql += " AS \(context)" }
        let drop = replacing ? [DDLStatement("DROP CAST IF EXISTS (\(cast.source) AS \(cast.target));", object: object)] : []
        let statements = drop + [DDLStatement(sql + ";", object: object)] + comment(cast.signature, cast.comment, object: object)
        return PreDataItem(key: ObjectKey(.cast, cast.oid), rank: DependencyOrder.Rank.cast, name: object, statements: statements)
    }

    func transformItem(_ transform: Transform) -> PreDataItem {
        let object = "TRANSFORM FOR \(transform.type) LANGUAGE \(transform.language)"
        let functions = [transform.fromSQL.map { "FROM SQL WITH FUNCTION \($0)" }, transform.toSQL.map { "TO SQL WITH FUNCTION \($0)" }]
            .compactMap { $0 }
        let statements = [DDLStatement("CREATE \(transform.signature) (\n    \(functions.joined(separator: ",\n    "))\n);",
                                       object: object)]
            + comment(transform.signature, transform.comment, object: object)
        return PreDataItem(key: ObjectKey(.transform, transform.oid), rank: DependencyOrder.Rank.transform, name: object,
                           statements: statements)
    }

    func conversionItem(_ conversion: Conversion) -> PreDataItem {
        let object = "CONVERSION \(conversion.name)"
        let target = "CONVERSION \(conversion.name.sql)"
        let statements = [DDLStatement(
            "CREATE \(conversion.isDefault ? "DEFAULT " : "")\(target) FOR \(SQL.literal(conversion.sourceEncoding)) "
                + "TO \(SQL.literal(conversion.targetEncoding)) FROM \(conversion.function);", object: object)]
            + comment(target, conversion.comment, object: object)
            + owner(target, conversion.ownership, object: object)
        return PreDataItem(key: ObjectKey(.conversion, conversion.oid), rank: DependencyOrder.Rank.conversion, name: object,
                           statements: statements)
    }
}
