/// Runs of updates or deletes of one table, found by key, applied many rows a statement, as
/// runs of inserts are: one executor run and one prepared text for `insertRows` changes instead
/// of one statement each (PostgreSQL's apply worker does each in-process, without SQL).
///
/// - A run holds consecutive changes of one kind to one relation that find their row by its
///   replica identity key (DEFAULT or INDEX); FULL identity, NULL keys and unchanged TOAST keys
///   stay row by row.
/// - An update joins a run only when its key did not change (no old key sent) and it sends the
///   same columns as unchanged TOAST as the run's first: one statement sets the same columns.
/// - A run ends before a key it already holds: one statement touches a row once, and a row
///   updated twice must end with the second values. Each statement then expects as many rows
///   as it has changes: the divergence check of the row-by-row form, per statement.
extension ApplyPlanner {
    /// The batched statement of the `insertRows` keyed changes starting at `start`, and where
    /// the changes after them begin; nil when fewer of them form a run (they go row by row, as a
    /// lone change does).
    func keyedRun(_ changes: [RowChange], from start: Int) throws(ApplyError) -> (statement: ApplyStatement, end: Int)? {
        guard let first = KeyedChange(changes[start]) else { return nil }
        // An update that sets nothing but its key (or identity columns, never set) stays row by row.
        if first.isUpdate, try setColumns(of: first).isEmpty { return nil }
        let rows = Swift.min(Self.insertRows, 65_535 / Swift.max(1, first.relation.columns.count))
        var run = [first]
        var keys: Set<[TupleValue]> = [first.key]
        while run.count < rows, start + run.count < changes.endIndex, let next = KeyedChange(changes[start + run.count]),
            next.sameShape(as: first), keys.insert(next.key).inserted
        {
            run.append(next)
        }
        guard run.count == rows, rows > 1 else { return nil }
        return (try first.isUpdate ? update(run) : delete(run), start + rows)
    }

    /// `UPDATE t SET c = changed.c … FROM (VALUES (key…, c…), …) AS changed(…) WHERE t.key = changed.key`:
    /// the key columns are not set (they did not change).
    private func update(_ run: [KeyedChange]) throws(ApplyError) -> ApplyStatement {
        let relation = run[0].relation
        let target = try self.target(of: relation)
        let keyColumns = relation.columns.indices.filter { relation.columns[$0].isKey }
        let setColumns = try setColumns(of: run[0])
        let positions = keyColumns + setColumns
        var parameters: [ApplyParameter] = []
        parameters.reserveCapacity(run.count * positions.count)
        for change in run {
            for position in positions { parameters.append(change.values[position].parameter) }
        }
        let columns = positions.map { relation.columns[$0].name }
        let shape = ApplyStatementTexts.Shape(
            kind: .update, table: target.name, columns: columns, keyColumns: keyColumns.count, rows: run.count)
        let sql = try texts.text(shape) { () throws(ApplyError) in
            let name = { (position: Int) in SQL.identifier(relation.columns[position].name) }
            let assignments = setColumns.map { "\(name($0)) = changed.\(name($0))" }
            let condition = keyColumns.map { "target.\(name($0)) = changed.\(name($0))" }
            return "UPDATE \(target.only)\(target.name.sql) AS target SET \(assignments.joined(separator: ", "))"
                + " FROM (VALUES \(parameterTuples(casts: try target.casts(columns), rows: run.count)))"
                + " AS changed(\(positions.map(name).joined(separator: ", ")))"
                + " WHERE \(condition.joined(separator: " AND "))"
        }
        return ApplyStatement(sql: sql, parameters: parameters, expectedRows: run.count)
    }

    /// The positions of the columns an update of the run sets: neither key, generated, identity
    /// `GENERATED ALWAYS` (as a single update), nor left as unchanged TOAST.
    private func setColumns(of change: KeyedChange) throws(ApplyError) -> [Int] {
        let target = try self.target(of: change.relation)
        return change.relation.columns.indices.filter {
            let name = change.relation.columns[$0].name
            return !change.relation.columns[$0].isKey && !target.generatedColumns.contains(name)
                && !target.identityAlwaysColumns.contains(name) && change.values[$0] != .unchangedToast
        }
    }

    /// `DELETE FROM t WHERE key IN (…)`, `(k1, k2) IN ((…), …)` for a key of several columns.
    private func delete(_ run: [KeyedChange]) throws(ApplyError) -> ApplyStatement {
        let relation = run[0].relation
        let target = try self.target(of: relation)
        let keyColumns = relation.columns.filter(\.isKey).map(\.name)
        var parameters: [ApplyParameter] = []
        parameters.reserveCapacity(run.count * keyColumns.count)
        for change in run {
            for value in change.key { parameters.append(value.parameter) }
        }
        let shape = ApplyStatementTexts.Shape(kind: .delete, table: target.name, columns: keyColumns, keyColumns: keyColumns.count, rows: run.count)
        let sql = try texts.text(shape) { () throws(ApplyError) in
            let names = SQL.identifierList(keyColumns)
            return "DELETE FROM \(target.only)\(target.name.sql) WHERE \(keyColumns.count == 1 ? names : "(\(names))")"
                + " IN (\(parameterTuples(casts: try target.casts(keyColumns), rows: run.count, parenthesizeSingle: false)))"
        }
        return ApplyStatement(sql: sql, parameters: parameters, expectedRows: run.count)
    }
}

/// An update or delete that a batched statement can apply: its row found by key values sent in
/// full, the key unchanged.
private struct KeyedChange {
    var isUpdate: Bool
    var relation: PgOutputMessage.Relation
    /// The replica identity key's values, in column order.
    var key: [TupleValue]
    /// An update's new row (a delete's old key tuple).
    var values: [TupleValue]

    init?(_ change: RowChange) {
        switch change {
        case .update(let relation, nil, let new):
            (isUpdate, self.relation, values) = (true, relation, new.values)
        case .delete(let relation, .key(let old)):
            (isUpdate, self.relation, values) = (false, relation, old.values)
        default:
            return nil
        }
        guard relation.replicaIdentity == .default || relation.replicaIdentity == .index,
            values.count == relation.columns.count
        else { return nil }
        key = zip(relation.columns, values).filter(\.0.isKey).map(\.1)
        guard !key.isEmpty, key.allSatisfy(\.isSent) else { return nil }
    }

    /// Same kind, same relation and, for an update, the same columns left as unchanged TOAST.
    func sameShape(as other: KeyedChange) -> Bool {
        isUpdate == other.isUpdate && relation == other.relation
            && (!isUpdate || values.map { $0 == .unchangedToast } == other.values.map { $0 == .unchangedToast })
    }
}

extension TupleValue {
    /// A value sent in full (text or binary).
    fileprivate var isSent: Bool {
        switch self {
        case .text, .binary: true
        case .null, .unchangedToast: false
        }
    }

    /// As a parameter: every value one, NULL too, so that runs of the same shape share one text.
    fileprivate var parameter: ApplyParameter {
        switch self {
        case .null, .unchangedToast: .null
        case .text(let bytes): .text(bytes)
        case .binary(let bytes): .binary(bytes)
        }
    }
}
