/// Functions, procedures, aggregates and operators.
extension CatalogReader {
    /// Functions the server creates by itself (a range type's constructors) are left out.
    var notImplicit: String {
        """
        NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND i.objid = p.oid AND i.deptype = 'i')
        """
    }

    func readFunctions() async throws -> [Function] {
        let rows = try await connection.query("""
            SELECT p.oid, n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
                   p.prokind, pg_catalog.pg_get_functiondef(p.oid) AS definition, \(unescaped: version >= 140000 ? "p.prosqlbody IS NOT NULL" : "false") AS sql_body,
                   CASE WHEN p.prolang IN (12, 13) THEN l.lanname END AS native_language, p.probin, p.prosrc,
                   pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
                   pg_catalog.pg_get_userbyid(p.proowner) AS owner, p.proacl::text AS acl
            FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            JOIN pg_catalog.pg_language l ON l.oid = p.prolang
            WHERE n.nspname = ANY(\(schemas)) AND p.prokind IN ('f', 'p', 'w')
              AND \(unescaped: notExtensionMember("p.oid", "pg_proc")) AND \(unescaped: notImplicit)
            ORDER BY n.nspname, p.proname, arguments
            """).rows
        var functions: [Function] = []
        for row in rows {
            var function = try Function(
                name: QualifiedName(row.string("nspname"), row.string("proname")), identityArguments: row.string("arguments"),
                kind: Function.Kind(rawValue: row.string("prokind")) ?? .function, definition: row.string("definition"),
                comment: row.optionalString("comment"), ownership: await ownership(row))
            function.oid = try row.oid("oid")
            function.sqlStandardBody = try row.bool("sql_body")
            // internal (12) and c (13) are fixed OIDs: the code must exist on the target.
            function.nativeCode = try row.optionalString("native_language").map {
                try NativeCode(language: $0, library: $0 == "c" ? row.optionalString("probin") : nil, symbol: row.string("prosrc"))
            }
            functions.append(function)
        }
        return functions
    }

    func readAggregates() async throws -> [Aggregate] {
        let rows = try await connection.query("""
            SELECT p.oid, n.nspname, p.proname, pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
                   pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_arguments,
                   a.aggkind::text AS kind, a.aggtransfn::pg_catalog.regproc::text AS sfunc,
                   pg_catalog.format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace, a.agginitval,
                   NULLIF(a.aggfinalfn, 0)::pg_catalog.regproc::text AS finalfunc, a.aggfinalextra,
                   a.aggfinalmodify::text AS finalmodify,
                   NULLIF(a.aggcombinefn, 0)::pg_catalog.regproc::text AS combinefunc,
                   NULLIF(a.aggserialfn, 0)::pg_catalog.regproc::text AS serialfunc,
                   NULLIF(a.aggdeserialfn, 0)::pg_catalog.regproc::text AS deserialfunc,
                   NULLIF(a.aggmtransfn, 0)::pg_catalog.regproc::text AS msfunc,
                   NULLIF(a.aggminvtransfn, 0)::pg_catalog.regproc::text AS minvfunc,
                   CASE WHEN a.aggmtranstype <> 0 THEN pg_catalog.format_type(a.aggmtranstype, NULL) END AS mstype,
                   a.aggmtransspace, a.aggminitval,
                   NULLIF(a.aggmfinalfn, 0)::pg_catalog.regproc::text AS mfinalfunc, a.aggmfinalextra,
                   a.aggmfinalmodify::text AS mfinalmodify,
                   NULLIF(a.aggsortop, 0)::pg_catalog.regoperator::text AS sortop, p.proparallel::text AS parallel,
                   pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
                   pg_catalog.pg_get_userbyid(p.proowner) AS owner, p.proacl::text AS acl
            FROM pg_catalog.pg_proc p
            JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
            JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = ANY(\(schemas)) AND \(unescaped: notExtensionMember("p.oid", "pg_proc"))
            ORDER BY n.nspname, p.proname, identity_arguments
            """).rows
        var aggregates: [Aggregate] = []
        for row in rows {
            let kind = try row.string("kind")
            let defaultModify = kind != "n" ? "w" : "r"
            let modify = ["r": "READ_ONLY", "s": "SHAREABLE", "w": "READ_WRITE"]
            var options = try ["SFUNC = \(row.string("sfunc"))", "STYPE = \(row.string("stype"))"]
            let space = try row.int("aggtransspace")
            if space != 0 { options.append("SSPACE = \(space)") }
            if let final = try row.optionalString("finalfunc") {
                options.append("FINALFUNC = \(final)")
                if try row.bool("aggfinalextra") { options.append("FINALFUNC_EXTRA") }
                if try row.string("finalmodify") != defaultModify, let value = try modify[row.string("finalmodify")] {
                    options.append("FINALFUNC_MODIFY = \(value)")
                }
            }
            if let combine = try row.optionalString("combinefunc") { options.append("COMBINEFUNC = \(combine)") }
            if let serial = try row.optionalString("serialfunc") { options.append("SERIALFUNC = \(serial)") }
            if let deserial = try row.optionalString("deserialfunc") { options.append("DESERIALFUNC = \(deserial)") }
            if let initial = try row.optionalString("agginitval") { options.append("INITCOND = \(SQL.literal(initial))") }
            if let msfunc = try row.optionalString("msfunc") {
                options.append("MSFUNC = \(msfunc)")
                if let minv = try row.optionalString("minvfunc") { options.append("MINVFUNC = \(minv)") }
                if let mstype = try row.optionalString("mstype") { options.append("MSTYPE = \(mstype)") }
                let movingSpace = try row.int("aggmtransspace")
                if movingSpace != 0 { options.append("MSSPACE = \(movingSpace)") }
                if let mfinal = try row.optionalString("mfinalfunc") {
                    options.append("MFINALFUNC = \(mfinal)")
                    if try row.bool("aggmfinalextra") { options.append("MFINALFUNC_EXTRA") }
                    if try row.string("mfinalmodify") != defaultModify, let value = try modify[row.string("mfinalmodify")] {
                        options.append("MFINALFUNC_MODIFY = \(value)")
                    }
                }
                if let minitial = try row.optionalString("aggminitval") { options.append("MINITCOND = \(SQL.literal(minitial))") }
            }
            if let sortop = try row.optionalString("sortop") {
                // regoperator prints `schema.op(type,type)`; SORTOP wants OPERATOR(schema.op).
                let name = sortop.prefix { $0 != "(" }
                options.append("SORTOP = OPERATOR(\(name))")
            }
            if let parallel = try ["s": "safe", "r": "restricted"][row.string("parallel")] { options.append("PARALLEL = \(parallel)") }
            if kind == "h" { options.append("HYPOTHETICAL") }
            aggregates.append(try Aggregate(
                oid: row.oid("oid"), name: QualifiedName(row.string("nspname"), row.string("proname")),
                arguments: row.string("arguments"), identityArguments: row.string("identity_arguments"), options: options,
                comment: row.optionalString("comment"), ownership: await ownership(row)))
        }
        return aggregates
    }

    func readOperators() async throws -> [Operator] {
        let qualified = { (oid: String) in
            """
            (SELECT 'OPERATOR(' || pg_catalog.quote_ident(xn.nspname) || '.' || x.oprname || ')'
             FROM pg_catalog.pg_operator x JOIN pg_catalog.pg_namespace xn ON xn.oid = x.oprnamespace WHERE x.oid = \(oid))
            """
        }
        let rows = try await connection.query("""
            SELECT o.oid, n.nspname, o.oprname,
                   CASE WHEN o.oprleft <> 0 THEN pg_catalog.format_type(o.oprleft, NULL) END AS left_type,
                   CASE WHEN o.oprright <> 0 THEN pg_catalog.format_type(o.oprright, NULL) END AS right_type,
                   o.oprcode::pg_catalog.regproc::text AS function, \(unescaped: qualified("NULLIF(o.oprcom, 0)")) AS commutator,
                   \(unescaped: qualified("NULLIF(o.oprnegate, 0)")) AS negator, o.oprcanmerge, o.oprcanhash,
                   NULLIF(o.oprrest, 0)::pg_catalog.regproc::text AS restrict_function,
                   NULLIF(o.oprjoin, 0)::pg_catalog.regproc::text AS join_function,
                   pg_catalog.obj_description(o.oid, 'pg_operator') AS comment,
                   pg_catalog.pg_get_userbyid(o.oprowner) AS owner, NULL AS acl
            FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
            WHERE n.nspname = ANY(\(schemas)) AND o.oprcode <> 0 AND \(unescaped: notExtensionMember("o.oid", "pg_operator"))
            ORDER BY n.nspname, o.oprname, left_type, right_type
            """).rows
        var operators: [Operator] = []
        for row in rows {
            var options = try ["FUNCTION = \(row.string("function"))"]
            if let left = try row.optionalString("left_type") { options.append("LEFTARG = \(left)") }
            if let right = try row.optionalString("right_type") { options.append("RIGHTARG = \(right)") }
            if let commutator = try row.optionalString("commutator") { options.append("COMMUTATOR = \(commutator)") }
            if let negator = try row.optionalString("negator") { options.append("NEGATOR = \(negator)") }
            if try row.bool("oprcanmerge") { options.append("MERGES") }
            if try row.bool("oprcanhash") { options.append("HASHES") }
            if let restrict = try row.optionalString("restrict_function") { options.append("RESTRICT = \(restrict)") }
            if let join = try row.optionalString("join_function") { options.append("JOIN = \(join)") }
            operators.append(try Operator(
                oid: row.oid("oid"), schema: row.string("nspname"), name: row.string("oprname"),
                leftType: row.optionalString("left_type"), rightType: row.optionalString("right_type"), options: options, comment: row.optionalString("comment"),
                ownership: try await ownership(row)))
        }
        return operators
    }
}
