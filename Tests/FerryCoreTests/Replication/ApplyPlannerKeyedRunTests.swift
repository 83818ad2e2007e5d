import FerryCore
import Testing

/// Runs of updates and deletes by key, batched as runs of inserts are.
@Suite struct ApplyPlannerKeyedRunTests {
    static let parent = PgOutputMessage.Relation(
        id: 1, namespace: "s", name: "parent", replicaIdentity: .default,
        columns: [.init(name: "id", isKey: true, typeOID: 23, typeModifier: -1), .init(name: "v", isKey: false, typeOID: 25, typeModifier: -1)])
    static let pair = PgOutputMessage.Relation(
        id: 2, namespace: "s", name: "everything", replicaIdentity: .index,
        columns: [
            .init(name: "a", isKey: true, typeOID: 23, typeModifier: -1), .init(name: "b", isKey: true, typeOID: 25, typeModifier: -1),
            .init(name: "c", isKey: false, typeOID: 23, typeModifier: -1),
        ])
    static let planner = ApplyPlanner(targets: [
        ApplyTarget(name: QualifiedName("s", "parent"), isPartitioned: false, columnTypes: ["id": "integer", "v": "text"]),
        ApplyTarget(name: QualifiedName("s", "everything"), isPartitioned: true, columnTypes: ["a": "integer", "b": "text", "c": "integer"]),
    ])

    private func value(_ text: String) -> TupleValue { .text(Array(text.utf8)) }
    private func text(_ values: String...) -> [ApplyParameter] { values.map { .text(Array($0.utf8)) } }
    private func update(_ id: Int, _ v: TupleValue? = nil) -> RowChange {
        .update(Self.parent, old: nil, new: TupleData([value("\(id)"), v ?? value("v\(id)")]))
    }
    private func delete(_ id: Int) -> RowChange { .delete(Self.parent, old: .key(TupleData([value("\(id)"), .null]))) }
    /// The key values a batched statement carries, in order (its first parameter of each row).
    private func keys(_ statement: ApplyStatement, width: Int) -> [String] {
        stride(from: 0, to: statement.parameters.count, by: width).map {
            guard case .text(let bytes) = statement.parameters[$0] else { return "?" }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test func aRunOfUpdatesByKeyBecomesOneJoinedUpdatePerHundredRows() throws {
        let statements = try Self.planner.statements(for: (1...250).map { update($0, $0 == 2 ? .null : nil) })
        #expect(statements.count == 2 + 50)
        #expect(
            statements[0].sql.hasPrefix(
                "UPDATE ONLY s.parent AS target SET v = changed.v FROM (VALUES ($1::integer, $2::text), ($3::integer, $4::text), "))
        #expect(statements[0].sql.hasSuffix("($199::integer, $200::text)) AS changed(id, v) WHERE target.id = changed.id"))
        #expect(statements[0].sql == statements[1].sql, "one text for every 100 rows: prepared once")
        #expect(statements[0].expectedRows == 100 && statements[1].expectedRows == 100)
        #expect(statements[0].parameters.prefix(4) == [.text(Array("1".utf8)), .text(Array("v1".utf8)), .text(Array("2".utf8)), .null])
        // The rest row by row, as before.
        #expect(statements[2] == ApplyStatement(
            sql: "UPDATE ONLY s.parent SET id = $1::integer, v = $2::text WHERE id = $3::integer",
            parameters: text("201", "v201", "201"), expectsOneRow: true))
    }

    @Test func aKeyUpdatedTwiceStartsANewStatementSoTheSecondValuesWin() throws {
        // Keys 1…150, then 1…150 again with other values.
        let changes = (1...150).map { update($0) } + (1...150).map { update($0, value("second \($0)")) }
        let statements = try Self.planner.statements(for: changes)
        #expect(statements.count == 3)
        for statement in statements {
            let keys = keys(statement, width: 2)
            #expect(Set(keys).count == keys.count, "a row once per statement")
            #expect(statement.expectedRows == keys.count)
        }
        let second: [String] = Array(101...150).map { String($0) } + Array(1...50).map { String($0) }
        #expect(keys(statements[0], width: 2) == Array(1...100).map { String($0) })
        #expect(keys(statements[1], width: 2) == second)
        #expect(statements[1].parameters[101] == .text(Array("second 1".utf8)), "key 1's second update after its first")
    }

    @Test func aKeyChangeOrADifferentUnchangedToastColumnEndsTheRun() throws {
        let keyChange = RowChange.update(Self.parent, old: .key(TupleData([value("7"), .null])), new: TupleData([value("1007"), value("x")]))
        let changes = (1...99).map { update($0) } + [keyChange] + (101...200).map { update($0) }
        var statements = try Self.planner.statements(for: changes)
        #expect(statements.count == 99 + 1 + 1)
        #expect(statements[99].sql == "UPDATE ONLY s.parent SET id = $1::integer, v = $2::text WHERE id = $3::integer")
        #expect(statements[100].expectedRows == 100)

        let toasted = (1...100).map { update($0, $0 == 50 ? .unchangedToast : nil) }
        statements = try Self.planner.statements(for: toasted)
        #expect(statements.allSatisfy { $0.expectedRows == 1 }, "row 50 sets no v: not the shape of the others")
        // Unchanged TOAST everywhere leaves only the key to set: row by row too.
        statements = try Self.planner.statements(for: (1...100).map { update($0, .unchangedToast) })
        #expect(statements.count == 100)
    }

    @Test func batchedTextsAreBuiltOncePerShapeAndNeverTakenForAnotherShape() throws {
        let planner = ApplyPlanner(targets: Self.planner.targets.map(\.value))
        let inserts = (1...100).map { RowChange.insert(Self.parent, new: TupleData([value("\($0)"), value("v")])) }
        let pairs = (1...100).map { RowChange.update(Self.pair, old: nil, new: TupleData([value("\($0)"), value("b"), value("1")])) }
        // Twice in turn: the second time every text comes from the cache.
        let first = try [inserts, (1...100).map { update($0) }, (1...100).map(delete), pairs].map { try planner.statements(for: $0) }
        let second = try [inserts, (1...100).map { update($0) }, (1...100).map(delete), pairs].map { try planner.statements(for: $0) }
        #expect(first == second)
        #expect(first.map(\.count) == [1, 1, 1, 1])
        #expect(first[0][0].sql.hasPrefix("INSERT INTO s.parent (id, v) VALUES ($1::integer, $2::text), ($3::integer, $4::text), "))
        #expect(first[1][0].sql.hasPrefix("UPDATE ONLY s.parent AS target SET v = changed.v FROM (VALUES ($1::integer, $2::text), "))
        #expect(first[2][0].sql.hasPrefix("DELETE FROM ONLY s.parent WHERE id IN ($1::integer, $2::integer, "))
        #expect(first[3][0].sql.hasPrefix(
            "UPDATE s.everything AS target SET c = changed.c FROM (VALUES ($1::integer, $2::text, $3::integer), "))
        #expect(first[3][0].sql.hasSuffix(" AS changed(a, b, c) WHERE target.a = changed.a AND target.b = changed.b"))
        // A target without a published column fails the batched statement too, cached texts or not.
        let narrow = ApplyPlanner(targets: [ApplyTarget(name: QualifiedName("s", "parent"), isPartitioned: false, columnTypes: ["id": "integer"])])
        #expect(throws: ApplyError.self) { try narrow.statements(for: inserts) }
        #expect(throws: ApplyError.self) { try narrow.statements(for: (1...100).map { update($0) }) }
    }

    @Test func aRunOfDeletesByKeyBecomesOneDeleteInAList() throws {
        let statements = try Self.planner.statements(for: (1...101).map(delete))
        #expect(statements.count == 2)
        #expect(statements[0].sql.hasPrefix("DELETE FROM ONLY s.parent WHERE id IN ($1::integer, $2::integer, "))
        #expect(statements[0].sql.hasSuffix(", $100::integer)"))
        #expect(statements[0].expectedRows == 100)
        #expect(keys(statements[0], width: 1) == Array(1...100).map { String($0) })
        #expect(statements[1] == ApplyStatement(
            sql: "DELETE FROM ONLY s.parent WHERE id = $1::integer", parameters: text("101"), expectsOneRow: true))

        // A key of two columns, on a partitioned table (no ONLY), between updates of another table.
        let pairs = (1...100).map {
            RowChange.delete(Self.pair, old: .key(TupleData([value("\($0)"), value("b\($0)"), .null])))
        }
        let mixed = try Self.planner.statements(for: [update(1)] + pairs + [update(2)])
        #expect(mixed.count == 3)
        #expect(mixed[1].sql.hasPrefix("DELETE FROM s.everything WHERE (a, b) IN (($1::integer, $2::text), ($3::integer, $4::text), "))
        #expect(mixed[1].parameters.prefix(2) == [.text(Array("1".utf8)), .text(Array("b1".utf8))])
        #expect(mixed[1].expectedRows == 100)
    }

    @Test func replicaIdentityFullAndMissingKeysStayRowByRow() throws {
        var full = Self.parent
        full.replicaIdentity = .full
        full.columns = full.columns.map { var column = $0; column.isKey = true; return column }
        let changes = (1...100).map {
            RowChange.delete(full, old: .full(TupleData([value("\($0)"), value("v")])))
        }
        #expect(try Self.planner.statements(for: changes).allSatisfy { $0.expectedRows == 1 })
        // A NULL key stays the row-by-row error it was.
        #expect(throws: ApplyError.self) {
            try Self.planner.statements(for: (1...100).map { _ in RowChange.delete(Self.parent, old: .key(TupleData([.null, .null]))) })
        }
    }
}
