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

extension InventoryObject {
    /// `identities` holds what the tables' replica identities were, by their SQL names.
    public func replacingReplicaIdentity(_ identities: [String: String]) -> InventoryObject {
        guard facets["replica identity"] != nil, let identity = identities[key.identity] else { return self }
        var object = self
        object.facets["replica identity"] = identity
        return object
    }
}
