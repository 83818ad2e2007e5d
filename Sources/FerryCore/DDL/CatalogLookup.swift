/// A catalog's tables and their constraints and indexes by table name, built once per render:
/// scanning every constraint and index for each table made rendering quadratic (2.4 s of
/// planning at 3 000 tables, issue 18).
struct CatalogLookup: Sendable {
    // Positions in the catalog's arrays, not copies of its objects: at 3 000 tables the copies
    // were megabytes while the plan was made (the run's peak RSS).
    let tables: [QualifiedName: Int]
    let constraints: [QualifiedName: [Int]]
    let indexes: [QualifiedName: [Int]]

    init(_ catalog: SchemaCatalog) {
        tables = Dictionary(catalog.tables.indices.map { (catalog.tables[$0].name, $0) }, uniquingKeysWith: { first, _ in first })
        constraints = Dictionary(grouping: catalog.constraints.indices) { catalog.constraints[$0].table }
        indexes = Dictionary(grouping: catalog.indexes.indices) { catalog.indexes[$0].table }
    }
}

extension DDLRenderer {
    /// `catalog.table(name)`, through `lookup` when there is one.
    func table(_ name: QualifiedName, in catalog: SchemaCatalog, _ lookup: CatalogLookup?) -> Table? {
        if let lookup { return lookup.tables[name].map { catalog.tables[$0] } }
        return catalog.table(name)
    }

    /// The constraints on `table` (a domain's have the domain's name there), in catalog order.
    func constraints(on table: QualifiedName, in catalog: SchemaCatalog, _ lookup: CatalogLookup?) -> [Constraint] {
        if let lookup { return (lookup.constraints[table] ?? []).map { catalog.constraints[$0] } }
        return catalog.constraints.filter { $0.table == table }
    }

    /// The indexes of `table`, in catalog order.
    func indexes(on table: QualifiedName, in catalog: SchemaCatalog, _ lookup: CatalogLookup?) -> [Index] {
        if let lookup { return (lookup.indexes[table] ?? []).map { catalog.indexes[$0] } }
        return catalog.indexes.filter { $0.table == table }
    }
}
