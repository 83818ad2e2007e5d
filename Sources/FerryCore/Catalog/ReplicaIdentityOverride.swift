/// A follow run with `--replica-identity-full` sets `REPLICA IDENTITY FULL` on some source tables
/// for the run only, before the snapshot the copy reads, and puts them back at cutover. The
/// target gets what they were before (`d` default, `n` nothing), and the end-of-run compare reads
/// the source that way too.
extension SchemaCatalog {
    public func replacingReplicaIdentities(_ identities: [QualifiedName: String]) -> SchemaCatalog {
        guard !identities.isEmpty else { return self }
        var catalog = self
        for index in catalog.tables.indices {
            if let identity = identities[catalog.tables[index].name] {
                catalog.tables[index].replicaIdentity = identity == "d" ? nil : identity
            }
        }
        return catalog
    }
}

extension SchemaInventory {
    public func replacingReplicaIdentities(_ identities: [QualifiedName: String]) -> SchemaInventory {
        guard !identities.isEmpty else { return self }
        let byIdentity = Dictionary(uniqueKeysWithValues: identities.map { ($0.key.sql, $0.value) })
        var inventory = self
        for index in inventory.objects.indices where inventory.objects[index].facets["replica identity"] != nil {
            if let identity = byIdentity[inventory.objects[index].key.identity] {
                inventory.objects[index].facets["replica identity"] = identity
            }
        }
        return inventory
    }
}
