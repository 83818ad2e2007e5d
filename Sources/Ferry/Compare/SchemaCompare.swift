/// `pgferry compare`: inventories the schemas on both sides from the catalog and reports what is
/// missing, extra or different on the target. Reads only; needs no pg_dump.
public struct SchemaCompare: Sendable {
    public var source: ConnectionConfiguration
    public var target: ConnectionConfiguration
    public var schemas: [String]
    /// Compare owners and ACLs too (`--owners`).
    public var includeOwnership: Bool
    /// Compare the database's large objects too: count and an md5 over their OIDs and bytes.
    public var largeObjects: Bool
    /// Compare the roles the schemas name, and those they are members of, by attributes,
    /// settings and memberships (`--roles`: the ones a run with `--roles` creates).
    public var roles: Bool
    /// Compare what a whole-database move carries outside the schemas too (`--all-schemas`).
    public var wholeDatabase: Bool

    public init(source: ConnectionConfiguration, target: ConnectionConfiguration, schemas: [String],
                includeOwnership: Bool = false, largeObjects: Bool = false, roles: Bool = false, wholeDatabase: Bool = false) {
        self.source = source
        self.target = target
        self.schemas = schemas
        self.includeOwnership = includeOwnership
        self.largeObjects = largeObjects
        self.roles = roles
        self.wholeDatabase = wholeDatabase
    }

    public func compare() async throws -> SchemaComparison {
        return try await Connections.withSource(source) { sourceConnection, encoding in
            var sourceInventory = try await Self.inventory(sourceConnection, schemas: schemas, includeOwnership: includeOwnership,
                                                           wholeDatabase: wholeDatabase, side: .source)
            return try await Connections.withTarget(target, encoding: encoding) { targetConnection in
                var targetInventory = try await Self.inventory(targetConnection, schemas: schemas, includeOwnership: includeOwnership,
                                                               wholeDatabase: wholeDatabase, side: .target)
                if largeObjects {
                    let objects = try await LargeObjectValidation.compare(source: sourceConnection, target: targetConnection,
                                                                          checksums: true).inventoryObjects
                    sourceInventory = sourceInventory.adding([objects.source])
                    targetInventory = targetInventory.adding([objects.target])
                }
                if roles {
                    let objects = try await RoleReader.inventories(schemas: schemas, includeOwnership: includeOwnership,
                                                                   largeObjects: largeObjects, wholeDatabase: wholeDatabase,
                                                                   source: sourceConnection,
                                                                   target: targetConnection)
                    sourceInventory = sourceInventory.adding(objects.source)
                    targetInventory = targetInventory.adding(objects.target)
                }
                return try await Self.comparison(source: sourceInventory, target: targetInventory, on: targetConnection)
            }
        }
    }

    /// Source against target, with the deparsed texts that differ re-read by the target
    /// (`Rereading`: those it reads as its own are the same object, not a difference), and the
    /// differences `announced` accounts for moved aside (`SchemaComparison.excluding`).
    static func comparison(source: PackedInventory, target: PackedInventory, on connection: PGConnection,
                           excluding announced: Set<String> = []) async throws -> SchemaComparison {
        let found = SchemaComparison(source: source, target: target)
        // Only the objects the differences name are unpacked.
        let (sourceObjects, targetObjects) = (source.objects(found.sourceKeys), target.objects(found.targetKeys))
        return try await rereading(found, source: sourceObjects, target: targetObjects, on: connection)
            .excluding(announced, source: sourceObjects, target: targetObjects)
    }

    /// `comparison` without the deparsed texts the target re-reads as its own; `source` and
    /// `target` hold at least the objects the differences name.
    private static func rereading(_ comparison: SchemaComparison, source: SchemaInventory, target: SchemaInventory,
                                  on connection: PGConnection) async throws -> SchemaComparison {
        let rereadings = Rereading.plan(for: comparison, source: source)
        guard !rereadings.isEmpty else { return comparison }
        var answers: [(Rereading, String?)] = []
        // One transaction rolled back, a savepoint per re-reading: the target keeps nothing.
        try await connection.execute("BEGIN; SET LOCAL lock_timeout = '10s'")
        for rereading in rereadings {
            try await connection.execute("SAVEPOINT pgferry_probe")
            do {
                for statement in rereading.setup { try await connection.execute(statement) }
                let answer = try await connection.query("SELECT r.text FROM (\(unescaped: rereading.read)) r(text)").rows.first
                answers.append((rereading, try answer?.optionalString("text")))
            } catch {
                answers.append((rereading, nil))  // it stays a difference
            }
            try await connection.execute("ROLLBACK TO SAVEPOINT pgferry_probe")
        }
        try await connection.execute("ROLLBACK")
        return comparison.removing(answers, target: target)
    }

    /// The inventory of `schemas` on `connection`, read in one snapshot (a transaction of its
    /// own unless `inSnapshot`: the connection already reads in one) and packed as it is read;
    /// `adjust` may change each object first. A schema missing on the source is an error; on
    /// the target it is a difference.
    static func inventory(_ connection: PGConnection, schemas: [String], includeOwnership: Bool, wholeDatabase: Bool = false,
                          side: FerryError.Side, inSnapshot: Bool = false,
                          adjust: @escaping @Sendable (InventoryObject) -> InventoryObject = { $0 }) async throws -> PackedInventory {
        let reader = InventoryReader(connection: connection, schemas: schemas, includeOwnership: includeOwnership,
                                     wholeDatabase: wholeDatabase)
        var builder: PackedInventory.Builder
        do {
            if !inSnapshot { try await connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") }
            builder = try await reader.read(adjust: adjust)
            if wholeDatabase {
                var database = DatabaseWide()
                try await CatalogReader(connection: connection, schemas: schemas, includeOwnership: includeOwnership)
                    .readDatabaseProperties(into: &database)
                for object in database.propertyObjects { builder.append(adjust(object)) }
            }
            if !inSnapshot { try await connection.execute("COMMIT") }
        } catch {
            throw FerryError("reading the \(side.rawValue) catalog for compare failed: \(error)", sqlState: (error as? PGError)?.sqlState)
        }
        let inventory = builder.packed()
        if side == .source {
            let found = Set(inventory.objects(schemas.map { InventoryKey(kind: "schema", identity: SQL.identifier($0)) })
                .objects.map(\.key.identity))
            let missing = schemas.filter { !found.contains(SQL.identifier($0)) }
            if !missing.isEmpty {
                throw FerryError("schema \(missing.map { "\"\($0)\"" }.joined(separator: ", ")) not found on the source")
            }
        }
        return inventory
    }
}
