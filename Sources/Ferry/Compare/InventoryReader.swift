import Foundation

/// Reads every object of the schemas from the catalog into a `SchemaInventory`: the one
/// enumeration of what exists, which the compare reads with facets and the not-migrated list
/// (`CatalogReader.readInventory`) without, so the two cannot drift. One query: each catalog
/// contributes rows of (classid, objid, objsubid, owning relation, facets as jsonb, owner, acl);
/// `pg_identify_object` names them, `pg_description` adds their comment, what an extension owns
/// is left out. Runs with an empty `search_path`, so names in definitions are
/// schema-qualified.
struct InventoryReader {
    let connection: PGConnection
    let schemas: [String]
    /// Owners and ACLs are facets only when they are compared (`--owners`).
    let includeOwnership: Bool
    var version: Int { connection.serverVersion }

    /// A whole-database move: also what it carries outside the schemas.
    var wholeDatabase = false

    /// Facets are left out (only what identifies objects is read): the not-migrated list's read.
    var identitiesOnly = false

    /// One inventory row: the compared object and what identifies it in the source's catalog.
    struct Entry {
        var object: InventoryObject
        /// `pg_class`, `pg_type`…, its OID, and its sub-id (a column's number; 0 for a whole object).
        var catalog: String
        var oid: UInt32
        var subid: Int
        /// False for what the not-migrated list leaves to another object (see `row`).
        var listed: Bool
        /// Made along with another object (`pg_depend` internal or partition edge).
        var madeWithOwner: Bool
        var statisticsSchema: String?
        /// The raw schema and name of the table or domain it hangs off.
        var parentNames: [String]
    }

    /// The inventory, packed as its rows arrive; `adjust` may change each object first.
    func read(adjust: @escaping @Sendable (InventoryObject) -> InventoryObject = { $0 }) async throws -> PackedInventory.Builder {
        try await reduceEntries(into: PackedInventory.Builder(serverVersion: version)) { $0.append(adjust($1.object)) }
    }

    /// Folds the entries into `state` one at a time, as the rows arrive (on the connection's thread).
    func reduceEntries<State: Sendable>(into state: State, _ body: @escaping @Sendable (inout State, Entry) throws -> Void)
        async throws -> State {
        let includeOwnership = includeOwnership
        return try await connection.reduceRows(query, into: state) { state, row in
            try body(&state, Self.entry(row, includeOwnership: includeOwnership))
        }
    }

    private var query: PGQuery {
        """
            WITH RECURSIVE migrated_schemas AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY(\(schemas))),
            \(unescaped: CatalogReader.extensionOwnedObjects)
            -- A transform's identity says "for T language L" on some releases, "for T on language L" on others.
            SELECT i.type, CASE WHEN i.type = 'transform' THEN pg_catalog.replace(i.identity, ' on language ', ' language ')
                                ELSE i.identity END AS identity,
                   pg_catalog.pg_describe_object(q.classid, q.objid, q.objsubid) AS description,
                   CASE WHEN q.objsubid <> 0 THEN pg_catalog.pg_describe_object(q.classid, q.objid, 0)
                        WHEN q.relid IS NOT NULL THEN pg_catalog.pg_describe_object(\(unescaped: Self.catalog("pg_class")), q.relid, 0)
                   END AS parent,
                   pg_catalog.jsonb_strip_nulls(q.facets)::text AS facets, q.owner, q.acl, d.description AS comment,
                   CASE WHEN q.relid IS NOT NULL THEN q.relid::pg_catalog.regclass::text
                        WHEN q.classid = \(unescaped: Self.catalog("pg_constraint"))
                        THEN (SELECT NULLIF(k.contypid, 0)::pg_catalog.regtype::text FROM pg_catalog.pg_constraint k WHERE k.oid = q.objid)
                   END AS relation,
                   q.name, q.classid::pg_catalog.regclass::text AS catalog, q.objid, q.objsubid, q.listed,
                   -- Made with another object (an array or row type, a key's index…); a constraint trigger is not.
                   q.classid <> \(unescaped: Self.catalog("pg_trigger")) AND EXISTS (
                       SELECT 1 FROM pg_catalog.pg_depend m WHERE m.classid = q.classid AND m.objid = q.objid AND m.deptype IN ('i', 'P'))
                       AS made_with_owner,
                   CASE WHEN q.classid = \(unescaped: Self.catalog("pg_statistic_ext"))
                        THEN (SELECT n.nspname FROM pg_catalog.pg_statistic_ext x JOIN pg_catalog.pg_namespace n ON n.oid = x.stxnamespace
                              WHERE x.oid = q.objid) END AS statistics_schema,
                   coalesce((SELECT ARRAY[n.nspname, c.relname]::text[] FROM pg_catalog.pg_class c
                             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = q.relid AND q.objsubid = 0),
                            (SELECT ARRAY[n.nspname, t.typname]::text[] FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_type t ON t.oid = k.contypid
                             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                             WHERE q.classid = \(unescaped: Self.catalog("pg_constraint")) AND k.oid = q.objid)) AS parent_names
            FROM (
            \(unescaped: sections.joined(separator: "\nUNION ALL\n"))
            ) q(classid, objid, objsubid, relid, name, listed, facets, owner, acl)
            CROSS JOIN LATERAL pg_catalog.pg_identify_object(q.classid, q.objid, q.objsubid) i
            LEFT JOIN pg_catalog.pg_description d ON d.classoid = q.classid AND d.objoid = q.objid AND d.objsubid = q.objsubid
            WHERE NOT \(unescaped: CatalogReader.extensionOwned("q.classid", "q.objid"))
            ORDER BY 1, 2
            """
    }

    private static func entry(_ row: QueryResult.Row, includeOwnership: Bool) throws -> Entry {
        var facets = try JSONDecoder().decode([String: String].self, from: Data(row.string("facets").utf8))
        facets["comment"] = try row.optionalString("comment")
        if includeOwnership {
            facets["owner"] = try row.optionalString("owner")
            facets["acl"] = try row.optionalString("acl")
        }
        let object = try InventoryObject(key: InventoryKey(kind: row.string("type"), identity: row.string("identity")),
                                         description: row.string("description"), parent: row.optionalString("parent"),
                                         facets: facets, relation: row.optionalString("relation"), name: row.optionalString("name"))
        return try Entry(object: object, catalog: row.string("catalog"), oid: row.oid("objid"), subid: row.int("objsubid"),
                         listed: row.bool("listed"), madeWithOwner: row.bool("made_with_owner"),
                         statisticsSchema: row.optionalString("statistics_schema"),
                         parentNames: row.optionalArray("parent_names") ?? [])
    }

    static func catalog(_ name: String) -> String { "'pg_catalog.\(name)'::pg_catalog.regclass" }

    /// An options array (`{k=v,…}`) as a set: its items sorted, so that an order the server
    /// keeps differently (`check_option`, `security_barrier`) is no difference.
    static func optionSet(_ options: String) -> String {
        "(SELECT pg_catalog.string_agg(o, ', ' ORDER BY o) FROM pg_catalog.unnest(\(options)) o)"
    }

    /// `schema.name` quoted, from a namespace oid expression and a name expression.
    static func qualified(_ namespace: String, _ name: String) -> String {
        "(SELECT pg_catalog.quote_ident(nspname) FROM pg_catalog.pg_namespace WHERE oid = \(namespace)) || '.' || pg_catalog.quote_ident(\(name))"
    }
}
