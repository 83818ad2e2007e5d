/// Whether an UPDATE changed a `GENERATED ALWAYS AS IDENTITY` column, which SQL cannot SET
/// ("can only be updated to DEFAULT") while PostgreSQL's apply worker, below the rewriter, can.
///
/// Known only from an old value: the old key (when the key changed) or the FULL old row. A
/// non-key identity column of a table without FULL identity is taken as unchanged (the source
/// changes one only with `SET … = DEFAULT`).
struct IdentityChange {
    var changed = false

    init(_ relation: PgOutputMessage.Relation, _ target: ApplyTarget, old: PgOutputMessage.OldTuple?, new: TupleData) {
        guard !target.identityAlwaysColumns.isEmpty, let old else { return }
        let isFull = if case .full = old { true } else { false }
        for (index, column) in relation.columns.enumerated()
        where target.identityAlwaysColumns.contains(column.name) && (isFull || column.isKey) {
            guard index < old.tuple.values.count, index < new.values.count else { continue }
            let (before, after) = (old.tuple.values[index], new.values[index])
            if before == .unchangedToast || after == .unchangedToast { continue }
            if before != after { changed = true }
        }
    }
}

extension ApplyPlanner {
    /// An update that changed an identity-always column: the old row deleted and the new one
    /// inserted with `OVERRIDING SYSTEM VALUE`, in one statement; unchanged TOASTed values come
    /// from the deleted row. The session's `session_replication_role = replica` keeps foreign
    /// keys' cascades from firing, as for the worker's update in place.
    func reinsert(
        _ relation: PgOutputMessage.Relation, _ target: ApplyTarget, old: PgOutputMessage.OldTuple?, new: TupleData
    ) throws(ApplyError) -> ApplyStatement {
        var builder = ParameterBuilder(target: target)
        let condition = try rowCondition(relation, target, old: old, new: new, &builder, change: "Update")
        var columns: [String] = []
        var values: [String] = []
        for (column, value) in zip(relation.columns, new.values) where !target.generatedColumns.contains(column.name) {
            let name = SQL.identifier(column.name)
            columns.append(name)
            switch value {
            case .unchangedToast: values.append("old.\(name)")
            case .null: values.append("NULL::\(target.columnTypes[column.name] ?? "text")")
            case .text(let bytes): values.append(try builder.bind(.text(bytes), column: column.name))
            case .binary(let bytes): values.append(try builder.bind(.binary(bytes), column: column.name))
            }
        }
        let sql = "WITH old AS (DELETE FROM \(target.only)\(target.name.sql) WHERE \(condition) RETURNING *)"
            + " INSERT INTO \(target.name.sql) (\(columns.joined(separator: ", "))) OVERRIDING SYSTEM VALUE"
            + " SELECT \(values.joined(separator: ", ")) FROM old"
        return ApplyStatement(sql: sql, parameters: builder.parameters, expectsOneRow: true)
    }
}
