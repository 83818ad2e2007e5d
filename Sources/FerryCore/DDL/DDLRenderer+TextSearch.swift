/// Operator families and classes, text search objects: the statements pg_dump's dumpOpfamily,
/// dumpOpclass and dumpTS* write.
extension DDLRenderer {
    func operatorClassItem(_ opclass: OperatorClass) -> PreDataItem {
        let object = "OPERATOR \(opclass.kind.rawValue) \(opclass.name) USING \(opclass.accessMethod)"
        let method = SQL.identifier(opclass.accessMethod)
        var statements: [DDLStatement] = []
        if let head = opclass.head {
            var items = head.storage.map { ["STORAGE \($0)"] } ?? []
            items += opclass.members
            // The grammar wants one item; STORAGE of the indexed type itself means none.
            if items.isEmpty { items = ["STORAGE \(head.type)"] }
            statements.append(.init("""
                CREATE OPERATOR CLASS \(opclass.name.sql)
                    \(head.isDefault ? "DEFAULT " : "")FOR TYPE \(head.type) USING \(method) FAMILY \(head.family.sql) AS
                    \(items.joined(separator: ",\n    "));
                """, object: object))
        } else {
            // Every family is created first, the one CREATE OPERATOR CLASS made implicitly too;
            // its loose members (not bound to a class) are added to it.
            statements.append(.init("CREATE OPERATOR FAMILY \(opclass.name.sql) USING \(method);", object: object))
            if !opclass.members.isEmpty {
                statements.append(.init("ALTER OPERATOR FAMILY \(opclass.name.sql) USING \(method) ADD\n    "
                    + opclass.members.joined(separator: ",\n    ") + ";", object: object))
            }
        }
        statements += comment(opclass.signature, opclass.comment, object: object)
        statements += owner(opclass.signature, opclass.ownership, object: object)
        return PreDataItem(key: ObjectKey(opclass.objectClass, opclass.oid), rank: DependencyOrder.Rank.operatorClass,
                           name: opclass.name.description, statements: statements)
    }

    func textSearchItem(_ textSearch: TextSearchObject) -> PreDataItem {
        let object = "TEXT SEARCH \(textSearch.kind.rawValue) \(textSearch.name)"
        var statements = [DDLStatement("CREATE \(textSearch.signature) (\n    \(textSearch.options.joined(separator: ",\n    "))\n);",
                                       object: object)]
        // CREATE … CONFIGURATION (PARSER = …) maps no token type.
        for mapping in textSearch.mappings {
            statements.append(.init("ALTER \(textSearch.signature)\n    ADD MAPPING FOR \(SQL.identifier(mapping.tokenType)) WITH "
                + mapping.dictionaries.joined(separator: ", ") + ";", object: object))
        }
        statements += comment(textSearch.signature, textSearch.comment, object: object)
        statements += owner(textSearch.signature, textSearch.ownership, object: object)
        return PreDataItem(key: ObjectKey(textSearch.kind.objectClass, textSearch.oid), rank: DependencyOrder.Rank.textSearch,
                           name: textSearch.name.description, statements: statements)
    }
}

extension DependencyOrder.Rank {
    /// pg_dump's priority puts them after operators, before tables: ties with operators are
    /// broken by name, and `pg_depend` orders what must be ordered.
    static let operatorClass = sqlOperator, textSearch = sqlOperator
}
