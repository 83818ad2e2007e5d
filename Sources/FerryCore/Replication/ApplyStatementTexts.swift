import Synchronization

/// The SQL texts of the batched statements, by shape: every run of as many changes of one kind
/// to one table with the same columns has the same text, so it is built once (building it
/// placeholder by placeholder cost more than decoding the changes).
final class ApplyStatementTexts: Sendable {
    /// What a batched text depends on, given the planner's targets.
    struct Shape: Hashable {
        enum Kind: Hashable { case insert, update, delete }
        var kind: Kind
        var table: QualifiedName
        /// The columns whose values it takes, in order (an update's key columns first).
        var columns: [String]
        /// How many of them are the key (updates).
        var keyColumns: Int
        var rows: Int
    }

    /// Shapes kept at most: a handful per table is expected (each kind, and an update's sets of
    /// unchanged-TOAST columns); beyond, texts are built each time.
    static let limit = 1_000

    private let texts = Mutex<[Shape: String]>([:])

    func text(_ shape: Shape, build: () throws(ApplyError) -> String) throws(ApplyError) -> String {
        if let text = texts.withLock({ $0[shape] }) { return text }
        let text = try build()
        texts.withLock { if $0.count < Self.limit { $0[shape] = text } }
        return text
    }
}

extension ApplyTarget {
    /// `::type` for each column, or the error naming the first the target lacks.
    func casts(_ columns: [String]) throws(ApplyError) -> [String] {
        var casts: [String] = []
        for column in columns {
            guard let type = columnTypes[column] else { throw ParameterBuilder.missing(column, in: self) }
            casts.append("::" + type)
        }
        return casts
    }
}

/// `($1::t1, $2::t2), ($3::t1, $4::t2)` for 2 rows: one tuple a row, parameters numbered in order.
func parameterTuples(casts: [String], rows: Int, parenthesizeSingle: Bool = true) -> String {
    var text = ""
    text.reserveCapacity(rows * casts.reduce(4) { $0 + $1.count + 8 })
    var number = 0
    for row in 0..<rows {
        if row > 0 { text += ", " }
        let parenthesize = parenthesizeSingle || casts.count != 1
        if parenthesize { text += "(" }
        for (index, cast) in casts.enumerated() {
            if index > 0 { text += ", " }
            number += 1
            text += "$"
            text += String(number)
            text += cast
        }
        if parenthesize { text += ")" }
    }
    return text
}
