/// The target table a published relation is applied to.
public struct ApplyTarget: Hashable, Sendable {
    public var name: QualifiedName
    /// A partitioned table takes the changes of all its partitions (`publish_via_partition_root`);
    /// a plain table's UPDATE, DELETE and TRUNCATE use ONLY, since inheritance children are
    /// published, and applied, on their own.
    public var isPartitioned: Bool
    /// Column name → `format_type(atttypid, atttypmod)` of the target's column: the cast that
    /// makes the target parse a value (`$1::numeric(10,2)`). SQL text produced by the server.
    public var columnTypes: [String: String]
    /// Computed by the target: never written, should a source publish them (18's
    /// `publish_generated_columns`).
    public var generatedColumns: Set<String>
    /// `GENERATED ALWAYS AS IDENTITY`: inserted with `OVERRIDING SYSTEM VALUE`, never SET by an
    /// UPDATE (PostgreSQL refuses it), as the apply worker, which bypasses the rewriter, takes them.
    public var identityAlwaysColumns: Set<String>

    public init(
        name: QualifiedName, isPartitioned: Bool, columnTypes: [String: String], generatedColumns: Set<String> = [],
        identityAlwaysColumns: Set<String> = []
    ) {
        self.name = name
        self.isPartitioned = isPartitioned
        self.columnTypes = columnTypes
        self.generatedColumns = generatedColumns
        self.identityAlwaysColumns = identityAlwaysColumns
    }

    /// From the catalog of the table pgferry created on the target (or of its source, whose DDL
    /// the target's repeats).
    public init(_ table: Table) {
        self.init(
            name: table.name, isPartitioned: table.kind == .partitioned,
            columnTypes: Dictionary(table.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first }),
            generatedColumns: Set(table.columns.filter { $0.generated != nil }.map(\.name)),
            identityAlwaysColumns: Set(table.columns.filter { $0.identity == .always }.map(\.name)))
    }
}

/// One statement for the target, its values as parameters `$1…$n`.
public struct ApplyStatement: Hashable, Sendable {
    public var sql: String
    public var parameters: [ApplyParameter]
    /// The rows an UPDATE or DELETE must touch, one per change it applies: any other count
    /// means the target diverged.
    public var expectedRows: Int?
    public var expectsOneRow: Bool { expectedRows == 1 }

    public init(sql: String, parameters: [ApplyParameter] = [], expectsOneRow: Bool = false) {
        self.init(sql: sql, parameters: parameters, expectedRows: expectsOneRow ? 1 : nil)
    }

    public init(sql: String, parameters: [ApplyParameter], expectedRows: Int?) {
        self.sql = sql
        self.parameters = parameters
        self.expectedRows = expectedRows
    }
}

/// A parameter value as pgoutput sent it: text output, or send/recv bytes (binary format), or
/// NULL (in a multi-row INSERT, where every value is a parameter so that the text repeats).
public enum ApplyParameter: Hashable, Sendable {
    case text([UInt8])
    case binary([UInt8])
    case null
}

/// A change that cannot be turned into a target statement.
public struct ApplyError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
}

/// Builds the target statement for each replicated change, as PostgreSQL's apply worker
/// (src/backend/replication/logical/worker.c) does it, in SQL:
///
/// - INSERT names every sent column, NULLs as `NULL`.
/// - UPDATE sets every sent column except unchanged TOASTed ones (`'u'`: the target keeps them),
///   found by the replica identity: the old key tuple when sent, else the key in the new tuple.
/// - With REPLICA IDENTITY FULL the row is found by every old value (`= $n`, `IS NULL` for NULLs:
///   what `IS NOT DISTINCT FROM` means, but indexable) and only one row of identical ones is
///   touched, through its `ctid`.
/// - Values go as parameters with a cast to the target column's type. Text values are the
///   source walsender's output: its session needs the settings the copy uses (DateStyle ISO,
///   IntervalStyle postgres, extra_float_digits 3, client_encoding UTF8) for the target to read
///   them back exactly.
///
/// A FULL-identity column whose type has no equality operator (json, point, xml) cannot find its
/// row; PostgreSQL's own apply worker fails there too.
public struct ApplyPlanner: Sendable {
    public private(set) var targets: [QualifiedName: ApplyTarget]
    /// The batched statements' texts built so far (they depend on `targets`, fixed at init).
    let texts = ApplyStatementTexts()

    /// - Parameter targets: the target tables, by name; a source relation maps to the target
    ///   table of the same schema and name.
    public init(targets: [ApplyTarget]) {
        self.targets = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Rows one multi-row INSERT takes: a run of inserts into one table goes in statements of
    /// this many rows (fewer when its columns would pass PostgreSQL's 65 535 parameters), the
    /// rest of the run row by row, so the statement texts stay few (each is prepared once).
    public static let insertRows = 100

    /// The statements applying `changes`, in order: runs of inserts into the same table grouped
    /// into multi-row INSERTs (one executor run for many rows), runs of updates or deletes by key
    /// likewise (ApplyPlanner+KeyedRuns.swift), everything else one statement each.
    public func statements(for changes: [RowChange]) throws(ApplyError) -> [ApplyStatement] {
        var statements: [ApplyStatement] = []
        statements.reserveCapacity(changes.count)
        var index = changes.startIndex
        while index < changes.endIndex {
            if case .insert(let relation, _) = changes[index] {
                var end = index + 1
                while end < changes.endIndex, case .insert(let next, _) = changes[end], next == relation { end += 1 }
                let rows = Swift.max(1, Swift.min(Self.insertRows, 65_535 / Swift.max(1, relation.columns.count)))
                while end - index >= rows, rows > 1, !relation.columns.isEmpty {
                    statements.append(try insert(relation, changes[index..<(index + rows)].map(\.newTuple)))
                    index += rows
                }
            }
            guard index < changes.endIndex else { break }
            if let run = try keyedRun(changes, from: index) {
                statements.append(run.statement)
                index = run.end
                continue
            }
            if let statement = try statement(for: changes[index]) { statements.append(statement) }
            index += 1
        }
        return statements
    }

    /// The statement applying `change`; nil for a logical message, which changes no table.
    public func statement(for change: RowChange) throws(ApplyError) -> ApplyStatement? {
        switch change {
        case .insert(let relation, let new): try insert(relation, new)
        case .update(let relation, let old, let new): try update(relation, old: old, new: new)
        case .delete(let relation, let old): try delete(relation, old: old)
        case .truncate(let relations, let options): try truncate(relations, options: options)
        case .message: nil
        }
    }

    private func insert(_ relation: PgOutputMessage.Relation, _ new: TupleData) throws(ApplyError) -> ApplyStatement {
        let target = try self.target(of: relation)
        var builder = ParameterBuilder(target: target)
        var columns: [String] = []
        var values: [String] = []
        for (column, value) in zip(relation.columns, new.values) where !target.generatedColumns.contains(column.name) {
            guard let placeholder = try builder.placeholder(for: value, column: column.name) else {
                throw ApplyError(
                    description: "Insert into \(target.name) sent column \(column.name) as an unchanged TOAST value"
                        + " (an insert sends every value)")
            }
            columns.append(SQL.identifier(column.name))
            values.append(placeholder)
        }
        let sql =
            columns.isEmpty
            ? "INSERT INTO \(target.name.sql) DEFAULT VALUES"
            : "INSERT INTO \(target.name.sql) (\(columns.joined(separator: ", ")))\(target.overriding)"
                + " VALUES (\(values.joined(separator: ", ")))"
        return ApplyStatement(sql: sql, parameters: builder.parameters)
    }

    /// One INSERT of several rows, every value a parameter (NULLs too), so that every run of as
    /// many rows into the table has the same text.
    private func insert(_ relation: PgOutputMessage.Relation, _ rows: [TupleData]) throws(ApplyError) -> ApplyStatement {
        let target = try self.target(of: relation)
        let positions = relation.columns.indices.filter { !target.generatedColumns.contains(relation.columns[$0].name) }
        var parameters: [ApplyParameter] = []
        parameters.reserveCapacity(rows.count * positions.count)
        for row in rows {
            guard row.values.count == relation.columns.count else {
                throw ApplyError(description: "Insert into \(target.name) sent \(row.values.count) values for \(relation.columns.count) columns")
            }
            for position in positions {
                switch row.values[position] {
                case .null: parameters.append(.null)
                case .text(let bytes): parameters.append(.text(bytes))
                case .binary(let bytes): parameters.append(.binary(bytes))
                case .unchangedToast:
                    throw ApplyError(
                        description: "Insert into \(target.name) sent column \(relation.columns[position].name) as an unchanged TOAST value"
                            + " (an insert sends every value)")
                }
            }
        }
        let columns = positions.map { relation.columns[$0].name }
        let shape = ApplyStatementTexts.Shape(kind: .insert, table: target.name, columns: columns, keyColumns: 0, rows: rows.count)
        let sql = try texts.text(shape) { () throws(ApplyError) in
            "INSERT INTO \(target.name.sql) (\(SQL.identifierList(columns)))\(target.overriding) VALUES "
                + parameterTuples(casts: try target.casts(columns), rows: rows.count)
        }
        return ApplyStatement(sql: sql, parameters: parameters)
    }

    private func update(
        _ relation: PgOutputMessage.Relation, old: PgOutputMessage.OldTuple?, new: TupleData
    ) throws(ApplyError) -> ApplyStatement {
        let target = try self.target(of: relation)
        if Self.changesIdentity(relation, target, old: old, new: new) { return try reinsert(relation, target, old: old, new: new) }
        var builder = ParameterBuilder(target: target)
        var assignments: [String] = []
        for (column, value) in zip(relation.columns, new.values)
        where !target.generatedColumns.contains(column.name) && !target.identityAlwaysColumns.contains(column.name) {
            guard let placeholder = try builder.placeholder(for: value, column: column.name) else { continue }
            assignments.append("\(SQL.identifier(column.name)) = \(placeholder)")
        }
        guard !assignments.isEmpty else {
            // Only identity columns (unchanged) or TOASTed ones: the row stays as it is, but must exist.
            let condition = try rowCondition(relation, target, old: old, new: new, &builder, change: "Update")
            return ApplyStatement(
                sql: "SELECT FROM \(target.only)\(target.name.sql) WHERE \(condition)", parameters: builder.parameters,
                expectsOneRow: true)
        }
        let condition = try rowCondition(relation, target, old: old, new: new, &builder, change: "Update")
        let sql = "UPDATE \(target.only)\(target.name.sql) SET \(assignments.joined(separator: ", ")) WHERE \(condition)"
        return ApplyStatement(sql: sql, parameters: builder.parameters, expectsOneRow: true)
    }

    private func delete(_ relation: PgOutputMessage.Relation, old: PgOutputMessage.OldTuple) throws(ApplyError)
        -> ApplyStatement
    {
        let target = try self.target(of: relation)
        var builder = ParameterBuilder(target: target)
        let condition = try rowCondition(relation, target, old: old, new: nil, &builder, change: "Delete")
        return ApplyStatement(
            sql: "DELETE FROM \(target.only)\(target.name.sql) WHERE \(condition)", parameters: builder.parameters,
            expectsOneRow: true)
    }

    private func truncate(
        _ relations: [PgOutputMessage.Relation], options: PgOutputMessage.Truncate.Options
    ) throws(ApplyError) -> ApplyStatement {
        var tables: [String] = []
        for relation in relations {
            let target = try self.target(of: relation)
            tables.append(target.only + target.name.sql)
        }
        // CASCADE as on the source: a referencing table outside the publication (excluded data)
        // would otherwise make the target refuse the TRUNCATE.
        let suffix = (options.contains(.restartIdentity) ? " RESTART IDENTITY" : "") + (options.contains(.cascade) ? " CASCADE" : "")
        return ApplyStatement(sql: "TRUNCATE \(tables.joined(separator: ", "))\(suffix)")
    }

    /// The WHERE clause that finds the changed row on the target.
    func rowCondition(
        _ relation: PgOutputMessage.Relation, _ target: ApplyTarget, old: PgOutputMessage.OldTuple?, new: TupleData?,
        _ builder: inout ParameterBuilder, change: String
    ) throws(ApplyError) -> String {
        let isFull: Bool
        let tuple: TupleData
        switch old {
        case .full(let oldTuple): (isFull, tuple) = (true, oldTuple)
        case .key(let oldTuple):
            guard relation.columns.contains(where: \.isKey) else {
                // pgoutput marks the old row by the published relation's identity: a partition's
                // FULL row published through a root without one arrives as a key of no columns.
                throw ApplyError(
                    description: "\(change) of \(target.name) sent an old key but the relation has no replica identity"
                        + " columns (a partitioned table published through its root needs the root's REPLICA"
                        + " IDENTITY to match its partitions')")
            }
            (isFull, tuple) = (false, oldTuple)
        case nil:
            guard let new, relation.replicaIdentity == .default || relation.replicaIdentity == .index,
                relation.columns.contains(where: \.isKey)
            else {
                let identity = Character(Unicode.Scalar(relation.replicaIdentity.rawValue))
                throw ApplyError(
                    description: "\(change) of \(target.name) carries no old row and the relation has no replica"
                        + " identity key (replica identity '\(identity)')")
            }
            (isFull, tuple) = (false, new)
        }
        var predicates: [String] = []
        for (column, value) in zip(relation.columns, tuple.values) where isFull || column.isKey {
            let name = SQL.identifier(column.name)
            switch value {
            case .null where isFull: predicates.append("\(name) IS NULL")
            case .null, .unchangedToast:
                // A key value is never NULL; an unchanged TOASTed old value cannot be compared:
                // with FULL the other columns still find the row, a key needs every part.
                if isFull { continue }
                let sent = value == .null ? "NULL" : "an unchanged TOAST value"
                throw ApplyError(
                    description: "\(change) of \(target.name) sent key column \(column.name) as \(sent) (expected its value)")
            case .text(let bytes):
                predicates.append("\(name) = \(try builder.bind(.text(bytes), column: column.name))")
            case .binary(let bytes):
                predicates.append("\(name) = \(try builder.bind(.binary(bytes), column: column.name))")
            }
        }
        // A table of no columns (FULL identity) has nothing to compare: any one of its rows is the row.
        guard !predicates.isEmpty || (isFull && relation.columns.isEmpty) else {
            throw ApplyError(description: "\(change) of \(target.name) sent no value that identifies the row")
        }
        let condition = predicates.isEmpty ? "true" : predicates.joined(separator: " AND ")
        guard isFull else { return condition }
        // Identical rows are possible without a key: touch exactly one. ctid is unique only
        // within one partition, hence tableoid with it on a partitioned table.
        return target.isPartitioned
            ? "(tableoid, ctid) = (SELECT tableoid, ctid FROM \(target.name.sql) WHERE \(condition) LIMIT 1)"
            : "ctid = (SELECT ctid FROM ONLY \(target.name.sql) WHERE \(condition) LIMIT 1)"
    }

    func target(of relation: PgOutputMessage.Relation) throws(ApplyError) -> ApplyTarget {
        guard let target = targets[QualifiedName(relation.namespace, relation.name)] else {
            throw ApplyError(
                description: "no target table for the published relation \(relation.namespace).\(relation.name)"
                    + " (source oid \(relation.id)); the target must hold every table of the publication")
        }
        return target
    }
}

extension ApplyTarget {
    var only: String { isPartitioned ? "" : "ONLY " }
    /// Inserts take the source's values for identity columns `GENERATED ALWAYS`.
    var overriding: String { identityAlwaysColumns.isEmpty ? "" : " OVERRIDING SYSTEM VALUE" }
}

extension RowChange {
    /// The new row of an insert (only called on inserts).
    fileprivate var newTuple: TupleData {
        if case .insert(_, let new) = self { return new }
        return TupleData([])
    }
}

/// Numbers the parameters of one statement and casts each to its target column's type.
struct ParameterBuilder {
    let target: ApplyTarget
    private(set) var parameters: [ApplyParameter] = []

    init(target: ApplyTarget) { self.target = target }

    /// `$n::type` for a value, `NULL` for a NULL, nil for an unchanged TOAST value.
    mutating func placeholder(for value: TupleValue, column: String) throws(ApplyError) -> String? {
        switch value {
        case .null: "NULL"
        case .unchangedToast: nil
        case .text(let bytes): try bind(.text(bytes), column: column)
        case .binary(let bytes): try bind(.binary(bytes), column: column)
        }
    }

    /// Appends the parameter and returns `$n::type`.
    mutating func bind(_ parameter: ApplyParameter, column: String) throws(ApplyError) -> String {
        guard let type = target.columnTypes[column] else { throw Self.missing(column, in: target) }
        parameters.append(parameter)
        return "$\(parameters.count)::\(type)"
    }

    static func missing(_ column: String, in target: ApplyTarget) -> ApplyError {
        ApplyError(
            description: "the target table \(target.name) has no column \(column), which the source publishes"
                + " (the schemas differ: DDL changed on the source?)")
    }
}
