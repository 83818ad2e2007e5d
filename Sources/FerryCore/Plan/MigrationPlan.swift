import Foundation

/// COPY wire format for one table.
public enum CopyFormat: String, Sendable, CaseIterable, Codable {
    case text, binary
}

/// The format policy a user chooses (`--format`).
public enum FormatPolicy: String, Sendable, CaseIterable, Codable {
    /// Binary when every column type is built in and both servers have the same major version.
    case auto
    case text
    /// Binary for every table whose column types are all built in, whatever the versions.
    case binary
}

/// What to do with a kept table whose foreign key points at a table whose data is excluded.
public enum OrphanPolicy: String, Sendable, CaseIterable, Codable {
    /// Keep the child's rows and add the foreign key `NOT VALID` (nothing the user asked for is dropped).
    case notValid = "not-valid"
    /// Exclude the child's data too (recursively), so every foreign key is validated.
    case excludeChild = "exclude-child"
}

/// A block range of a table much larger than the others, copied by several workers at once.
public struct TableSlice: Sendable, Equatable {
    public var index: Int
    public var count: Int
    public var fromBlock: Int64
    /// nil for the last slice, which reads to the end of the table.
    public var toBlock: Int64?
}

/// One table's data copy, or one slice of it.
public struct TableTask: Sendable, Equatable {
    public var table: QualifiedName
    public var columns: [String]
    public var format: CopyFormat
    /// False when the table's data is excluded: the table is created empty.
    public var copiesData: Bool
    public var bytes: Int64
    public var estimatedRows: Int64
    public var heapBlocks: Int64 = 0
    public var slice: TableSlice?
    /// The partition root the rows are loaded through, when their partition must be recomputed
    /// on the target (hash partitioning on an enum: enum OIDs differ between databases).
    public var loadThrough: QualifiedName?

    /// Loaded in its own truncating transaction, so COPY can FREEZE: not a slice, not routed.
    public var loadsAlone: Bool { slice == nil && loadThrough == nil }

    /// `COPY (SELECT cols FROM ONLY s.t [WHERE ctid range]) TO STDOUT …`: this table's own rows,
    /// never an inheritance child's, in an explicit column order.
    public var copyOutSQL: String {
        var query = "SELECT \(SQL.identifierList(columns)) FROM ONLY \(table.sql)"
        if let slice {
            query += " WHERE ctid >= '(\(slice.fromBlock),0)'::pg_catalog.tid"
            if let to = slice.toBlock { query += " AND ctid < '(\(to),0)'::pg_catalog.tid" }
        }
        return "COPY (\(query)) TO STDOUT" + (format == .binary ? " WITH (FORMAT binary)" : "")
    }

    /// `COPY s.t (cols) FROM STDIN …`. FREEZE needs the table truncated in the same
    /// transaction, so only a table that loads alone uses it.
    public func copyInSQL(freeze: Bool) -> String {
        var options: [String] = []
        if format == .binary { options.append("FORMAT binary") }
        if freeze && loadsAlone { options.append("FREEZE") }
        // A table with no columns to copy (none at all, or only generated ones) still has rows:
        // COPY takes no empty column list, and without one it copies exactly those zero columns.
        let columnList = columns.isEmpty ? "" : " (\(SQL.identifierList(columns)))"
        return "COPY \((loadThrough ?? table).sql)\(columnList) FROM STDIN"
            + (options.isEmpty ? "" : " WITH (\(options.joined(separator: ", ")))")
    }
}

/// A foreign key whose parent's data is excluded while the child's is kept, and what was done.
public struct ForeignKeyHazard: Sendable, Equatable, CustomStringConvertible {
    public var constraint: ConstraintID
    public var parent: QualifiedName
    public var resolution: OrphanPolicy

    public var description: String {
        let action = switch resolution {
        case .notValid: "the key is added NOT VALID"
        case .excludeChild: "\(constraint.table)'s data is excluded too"
        }
        return "foreign key \(constraint.name) of \(constraint.table) references \(parent), whose data is excluded: \(action)"
    }
}

/// Everything a migration will do, decided before anything is written.
public struct MigrationPlan: Sendable, Equatable {
    public var schemas: [String]
    public var ddl: SchemaDDL
    /// Every table of the schemas, largest first; excluded ones have `copiesData == false`.
    public var tables: [TableTask]
    /// What the workers run, largest first: `tables`, with a table much larger than the others
    /// cut into block-range slices.
    public var copyTasks: [TableTask] = []
    /// Which copy tasks the data phase runs in groups (`DataPhaseSchedule`).
    public var smallTables = DataPhaseSchedule.SmallTables()
    public var hazards: [ForeignKeyHazard]
    /// Objects outside the schemas that the schema needs on the target.
    public var prerequisites: [Prerequisite] = []
    /// Features of the source that the target's version lacks.
    public var unsupported: [FeatureCheck.Unsupported] = []
    /// Objects of the schema that pgferry does not recreate: reported, not silently dropped.
    public var notMigrated: [String] = []
    /// Objects pgferry would recreate that need a not-migrated one: the run is refused.
    public var blockedObjects: [BlockedObject] = []
    /// Objects only a superuser may create on the target: text search parsers and templates.
    public var superuserObjects: [String] = []
    /// Grants of the source the target's version cannot express (`--owners`).
    public var privilegeNotes: [String] = []
    /// Roles the DDL names, which must exist on the target (roles are global, not migrated).
    public var roles: [String] = []
    /// What the target is given before the schema (`--roles`, `--create-prerequisites`), for people.
    public var preparations: [String] = []
    /// Extensions in the schemas, which the target must be able to create there.
    public var extensions: [Extension] = []
    /// Collations of the schema that need a server built with ICU.
    public var icuCollations: [String] = []
    /// The source database's large objects, and whether the run copies them.
    public var largeObjects = LargeObjectSummary()
    public var copiesLargeObjects = false
    /// Following (nil: not): whether cutover refreshes the materialized views (`ddl.refresh`).
    public var followRefreshesMaterializedViews: Bool?
    /// Compiled code (C libraries, built-in functions) that `LANGUAGE c`/`internal` functions of
    /// the schema name, with the functions, which the target must be able to load.
    public var nativeCode: [NativeCode: [String]] = [:]
    /// User mappings of the foreign tables' servers, which the target must hold too.
    public var userMappings: [UserMapping] = []
    /// A whole-database move's objects outside the schemas (nil when schemas are named).
    public var database: DatabaseWide?
    /// Whether owners and grants move (`--owners`): user mappings' credentials move only then.
    public var includesOwnership = false

    public var copiedTables: [TableTask] { tables.filter(\.copiesData) }

    /// What a user should know before the run: foreign-key hazards, large objects, and every
    /// object pgferry does not recreate.
    public var notes: [String] {
        var notes = hazards.map(\.description)
        if largeObjects.count > 0 {
            let one = largeObjects.count == 1
            let what = "\(largeObjects.count) large object\(one ? "" : "s") "
                + "(\(ProgressText.bytes(largeObjects.bytesOnDisk)) on disk) of the source database \(one ? "is" : "are")"
            notes.append(copiesLargeObjects
                ? "\(what) copied; a large object with the same OID on the target is replaced"
                : "\(what) database-wide and not copied (--large-objects copies them)")
        }
        if let refreshes = followRefreshesMaterializedViews, !ddl.refresh.isEmpty {
            let views = ddl.refresh.map { $0.object.replacingOccurrences(of: "MATERIALIZED VIEW ", with: "") }.joined(separator: ", ")
            notes.append(refreshes
                ? "follow: materialized views are not replicated (no publication carries them); cutover refreshes them on the "
                    + "target after the last change, in dependency order: \(views)"
                : "follow: materialized views are not replicated and --no-refresh-matviews leaves them as copied: \(views)")
        }
        return notes + preparations + databaseNotes + privilegeNotes + notMigrated.map { "not migrated: \($0)" } + blockedObjects.map { "refused: \($0)" }
    }
}

extension MigrationPlan {
    /// What a whole-database move creates outside the schemas, what it leaves out, and why.
    var databaseNotes: [String] {
        guard let database else { return [] }
        var notes = database.summary.map { "whole database: creates \($0)" }
        notes += database.subscriptions.map {
            "whole database: subscription \(SQL.display($0)) is not created (as pg_dump --no-subscriptions: a copy must not "
                + "start consuming its publisher)"
        }
        if !includesOwnership {
            for mapping in database.userMappings {
                let secret = mapping.options.filter(UserMappingDefinition.looksSecret).map { String($0.prefix { $0 != "=" }) }
                guard !secret.isEmpty else { continue }
                notes.append("whole database: user mapping for \(SQL.display(mapping.user)) on server \(SQL.display(mapping.server)) "
                    + "is created without its \(secret.joined(separator: ", ")) option (credentials move only with --owners)")
            }
        }
        return notes
    }
}

public struct PlanOptions: Sendable {
    public var excludeTableData: [String]
    public var format: FormatPolicy
    public var orphanPolicy: OrphanPolicy
    public var includeOwnership: Bool
    /// The target's `server_version_num`, for the binary-format rule.
    public var targetServerVersion: Int
    /// Tables copied at once, and the size from which a table larger than its share is sliced.
    public var jobs: Int
    public var sliceMinimumBytes: Int64
    /// Copy the database's large objects too.
    public var largeObjects: Bool
    /// Following (nil: not): whether cutover refreshes the materialized views, which no
    /// publication carries.
    public var followRefreshesMaterializedViews: Bool?
    /// Names `excludeTableData` may hold although the schema has no such table (an API's fixed
    /// list, such as the HTTP API's twelve), skipped instead of refused.
    public var toleratedExclusions: [String]

    public init(excludeTableData: [String] = [], toleratedExclusions: [String] = [], format: FormatPolicy = .auto, orphanPolicy: OrphanPolicy = .notValid,
                includeOwnership: Bool = false, targetServerVersion: Int, jobs: Int = 1,
                sliceMinimumBytes: Int64 = .max, largeObjects: Bool = false, followRefreshesMaterializedViews: Bool? = nil) {
        self.excludeTableData = excludeTableData
        self.toleratedExclusions = toleratedExclusions
        self.format = format
        self.orphanPolicy = orphanPolicy
        self.includeOwnership = includeOwnership
        self.targetServerVersion = targetServerVersion
        self.jobs = jobs
        self.sliceMinimumBytes = sliceMinimumBytes
        self.largeObjects = largeObjects
        self.followRefreshesMaterializedViews = followRefreshesMaterializedViews
    }
}

public enum PlanError: Error, Equatable, CustomStringConvertible {
    case unknownExcludedTable(name: String, accepted: [String])
    case unreadableLargeObjects(count: Int)

    public var description: String {
        switch self {
        case let .unknownExcludedTable(name, accepted):
            "excludeTableData: \(name.debugDescription) is not a table of the migrated schema; accepted: \(accepted.joined(separator: ", "))"
        case let .unreadableLargeObjects(count):
            "large objects: the source role may not read \(count) of them, so they cannot be copied; connect as their owner "
                + "or a superuser, or GRANT SELECT ON LARGE OBJECT … to the role, or leave large objects out"
        }
    }
}

extension MigrationPlan {
    public init(catalog: SchemaCatalog, options: PlanOptions) throws {
        // MAINTAIN (17) does not exist before: an owner has its rights anyway, a grant to
        // another role is left out and named.
        var catalog = catalog
        let droppedMaintain = options.targetServerVersion < 170_000 ? catalog.removePrivilege("MAINTAIN") : []
        var excluded = try Self.resolveExclusions(options.excludeTableData, catalog: catalog, tolerating: options.toleratedExclusions)
        var hazards: [ForeignKeyHazard] = []
        var notValid: Set<ConstraintID> = []
        var changed = true
        while changed {
            changed = false
            for foreignKey in catalog.constraints where foreignKey.kind == .foreignKey {
                guard let parent = foreignKey.referencedTable, excluded.contains(parent),
                      !excluded.contains(foreignKey.table), !hazards.contains(where: { $0.constraint == foreignKey.id })
                else { continue }
                hazards.append(ForeignKeyHazard(constraint: foreignKey.id, parent: parent, resolution: options.orphanPolicy))
                switch options.orphanPolicy {
                case .notValid:
                    notValid.insert(foreignKey.id)
                case .excludeChild:
                    excluded.insert(foreignKey.table)
                    changed = true
                }
            }
        }

        let sameMajor = catalog.serverVersion / 10000 == options.targetServerVersion / 10000
        let tasks = catalog.tables.filter(\.holdsData).map { table in
            let builtin = table.copiedColumns.allSatisfy(\.builtinType)
            let format: CopyFormat = switch options.format {
            case .text: .text
            case .binary: builtin ? .binary : .text
            case .auto: builtin && sameMajor ? .binary : .text
            }
            return TableTask(table: table.name, columns: table.copiedColumns.map(\.name), format: format,
                             copiesData: !excluded.contains(table.name), bytes: table.bytes,
                             estimatedRows: table.estimatedRows, heapBlocks: table.heapBlocks,
                             loadThrough: Self.routingRoot(of: table, catalog: catalog))
        }
        let tables = tasks.sorted { ($0.bytes, $1.table) > ($1.bytes, $0.table) }
        // TID range scans (PG 14+) read just the slice's blocks; before, each slice would scan it all.
        let canSlice = catalog.serverVersion >= 140000 && options.jobs > 1
        let copiedBytes = tables.filter(\.copiesData).reduce(Int64(0)) { $0 + $1.bytes }
        let copyTasks = tables.flatMap { canSlice ? Self.slices(of: $0, copiedBytes: copiedBytes, options: options) : [$0] }
            .sorted { ($0.bytes, $1.table, $1.slice?.index ?? 0) > ($1.bytes, $0.table, $0.slice?.index ?? 0) }
        // Small tables nothing else in pre-data needs are created by their group, on the jobs'
        // connections, instead of one after another in pre-data.
        let smallTables = DataPhaseSchedule.SmallTables()
        let creatableLater = catalog.tablesCreatableLater
        let createdWithData = Set(copyTasks.filter { smallTables.takes($0) && creatableLater.contains($0.table) }.map(\.table))
        let renderer = DDLRenderer(options: .init(includeOwnership: options.includeOwnership, foreignKeysNotValid: notValid,
                                                  tablesCreatedWithData: createdWithData))
        self.init(schemas: catalog.schemas.map(\.name), ddl: renderer.render(catalog),
                  tables: tables, hazards: hazards,
                  prerequisites: catalog.prerequisites,
                  unsupported: FeatureCheck.unsupported(in: catalog, targetVersion: options.targetServerVersion))
        notMigrated = catalog.notMigrated
        privilegeNotes = droppedMaintain.map {
            "\($0) is not granted on the target: PostgreSQL \(options.targetServerVersion / 10000) has no MAINTAIN privilege"
        }
        blockedObjects = catalog.blockedObjects
        superuserObjects = catalog.textSearch.filter { $0.kind == .parser || $0.kind == .template }
            .map { "text search \($0.kind.rawValue.lowercased()) \($0.name)" }
        extensions = catalog.extensions
        largeObjects = catalog.largeObjects
        copiesLargeObjects = options.largeObjects && catalog.largeObjects.count > 0
        followRefreshesMaterializedViews = options.followRefreshesMaterializedViews
        if copiesLargeObjects && largeObjects.unreadable > 0 {
            throw PlanError.unreadableLargeObjects(count: largeObjects.unreadable)
        }
        roles = catalog.rolesNamed(includingOwnership: options.includeOwnership, largeObjects: copiesLargeObjects)
        icuCollations = catalog.collations.filter { $0.options.contains("provider = icu") }.map(\.name.description)
        userMappings = catalog.userMappings
        includesOwnership = options.includeOwnership
        if let database = catalog.database {
            // What the move creates itself is no prerequisite of the target.
            self.database = database
            let created: Set<[String]> = Set(database.foreignServers.map { ["server", $0.name] }
                + database.foreignDataWrappers.map { ["foreign-data wrapper", $0.name] }
                + database.accessMethods.map { ["access method", $0.name] } + database.languages.map { ["language", $0.name] })
            let extensions = Set(catalog.extensions.map(\.name))
            prerequisites.removeAll { created.contains([$0.type] + $0.names.prefix(1)) || $0.extensionName.map(extensions.contains) == true }
            userMappings.removeAll { mapping in database.userMappings.contains { $0.server == mapping.server && $0.user == mapping.user } }
        }
        for function in catalog.functions {
            guard let code = function.nativeCode else { continue }
            nativeCode[code, default: []].append("\(function.name)(\(function.identityArguments))")
        }
        self.copyTasks = copyTasks
        self.smallTables = smallTables
    }

    /// The root to load a partition through when some ancestor is hash-partitioned on an enum
    /// column (pg_dump forces --load-via-partition-root for the same reason).
    public static func routingRoot(of table: Table, catalog: SchemaCatalog) -> QualifiedName? {
        let enums = Set(catalog.types.filter { if case .enumeration = $0.definition { true } else { false } }.map(\.name.sql))
        var ancestor = table.partitionOf
        var root: QualifiedName?
        var needsRouting = false
        while let name = ancestor, let parent = catalog.table(name) {
            if let key = parent.partitionKey, key.hasPrefix("HASH"),
               parent.columns.contains(where: { enums.contains($0.type) && key.contains(SQL.identifier($0.name)) }) {
                needsRouting = true
            }
            root = name
            ancestor = parent.partitionOf
        }
        return needsRouting ? root : nil
    }

    /// A table larger than its share of the run (all copied bytes / jobs) and than the minimum is
    /// cut into `jobs` block ranges, so one giant table does not serialise the run.
    static func slices(of task: TableTask, copiedBytes total: Int64, options: PlanOptions) -> [TableTask] {
        let count = Int64(options.jobs)
        guard task.copiesData, task.bytes >= options.sliceMinimumBytes, task.bytes * count > total,
              task.heapBlocks >= count else { return [task] }
        let step = task.heapBlocks / count
        return (0..<count).map { index in
            var slice = task
            slice.bytes = task.bytes / count
            slice.estimatedRows = task.estimatedRows / count
            slice.slice = TableSlice(index: Int(index), count: Int(count), fromBlock: index * step,
                                     toBlock: index == count - 1 ? nil : (index + 1) * step)
            return slice
        }
    }

    /// Resolves `excludeTableData` names (`table` or `schema.table`) against the catalog; a name
    /// of `tolerated` that matches no table is skipped rather than refused.
    public static func resolveExclusions(_ names: [String], catalog: SchemaCatalog,
                                         tolerating tolerated: [String] = []) throws -> Set<QualifiedName> {
        var excluded: Set<QualifiedName> = []
        for raw in names {
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { continue }
            let matches = catalog.tables.filter { $0.name.name == name || $0.name.dotted == name || $0.name.description == name }
            if matches.isEmpty && !tolerated.contains(name) {
                let accepted = Set(catalog.tables.map(\.name.name) + tolerated).sorted()
                throw PlanError.unknownExcludedTable(name: name, accepted: accepted)
            }
            excluded.formUnion(matches.map(\.name))
        }
        // A partitioned table holds no rows of its own: excluding it excludes its partitions'.
        var parents = Array(excluded)
        while let parent = parents.popLast() {
            for partition in catalog.tables where partition.partitionOf == parent && !excluded.contains(partition.name) {
                excluded.insert(partition.name)
                parents.append(partition.name)
            }
        }
        return excluded
    }
}
