import FerryCore
import Testing

/// The apply takes what PostgreSQL's apply worker takes below the rewriter (issue 16 points 1–3).
@Suite struct ApplyPlannerIdentityTests {
    static let ident = ApplyTarget(
        name: QualifiedName("s", "ident"), isPartitioned: false,
        columnTypes: ["id": "bigint", "v": "text", "len": "integer"], generatedColumns: ["len"], identityAlwaysColumns: ["id"])
    static let nocols = ApplyTarget(name: QualifiedName("s", "nocols"), isPartitioned: false, columnTypes: [:])
    static let relation = PgOutputMessage.Relation(
        id: 1, namespace: "s", name: "ident", replicaIdentity: .default,
        columns: [.init(name: "id", isKey: true, typeOID: 20, typeModifier: -1), .init(name: "v", isKey: false, typeOID: 25, typeModifier: -1),
                  .init(name: "len", isKey: false, typeOID: 23, typeModifier: -1)])
    static let empty = PgOutputMessage.Relation(id: 2, namespace: "s", name: "nocols", replicaIdentity: .full, columns: [])

    let planner = ApplyPlanner(targets: [Self.ident, Self.nocols])

    private func row(_ values: String?...) -> TupleData {
        TupleData(values.map { $0.map { .text(Array($0.utf8)) } ?? .null })
    }

    @Test func insertsOverrideTheIdentityAndLeaveGeneratedColumnsOut() throws {
        let one = try planner.statement(for: .insert(Self.relation, new: row("7", "a", "1")))
        #expect(one?.sql == "INSERT INTO s.ident (id, v) OVERRIDING SYSTEM VALUE VALUES ($1::bigint, $2::text)")
        let many = try planner.statements(for: (1...100).map { .insert(Self.relation, new: row("\($0)", "a", "1")) })
        #expect(many.count == 1)
        #expect(many[0].sql.hasPrefix("INSERT INTO s.ident (id, v) OVERRIDING SYSTEM VALUE VALUES ($1::bigint, $2::text), "))
    }

    @Test func anUpdateNeverSetsAnUnchangedIdentityOrAGeneratedColumn() throws {
        let update = try planner.statement(for: .update(Self.relation, old: nil, new: row("7", "b", "1")))
        #expect(update?.sql == "UPDATE ONLY s.ident SET v = $1::text WHERE id = $2::bigint")
        // Only the identity sent, unchanged: nothing to set, but the row must be there.
        let same = try planner.statement(for: .update(
            Self.relation, old: nil, new: TupleData([.text(Array("7".utf8)), .unchangedToast, .text(Array("1".utf8))])))
        #expect(same?.sql == "SELECT FROM ONLY s.ident WHERE id = $1::bigint")
        #expect(same?.expectsOneRow == true)
    }

    @Test func anIdentityChangedBySetDefaultMovesTheRow() throws {
        let moved = try planner.statement(for: .update(
            Self.relation, old: .key(row("7", nil, nil)), new: TupleData([.text(Array("90".utf8)), .unchangedToast, .text(Array("1".utf8))])))
        #expect(moved?.sql == "WITH old AS (DELETE FROM ONLY s.ident WHERE id = $1::bigint RETURNING *)"
            + " INSERT INTO s.ident (id, v) OVERRIDING SYSTEM VALUE SELECT $2::bigint, old.v FROM old")
        #expect(moved?.expectsOneRow == true)
    }

    @Test func aTableOfNoColumnsTakesInsertsAndDeletes() throws {
        let inserts = try planner.statements(for: (1...150).map { _ in .insert(Self.empty, new: TupleData([])) })
        #expect(inserts.count == 150)
        #expect(inserts.allSatisfy { $0.sql == "INSERT INTO s.nocols DEFAULT VALUES" })
        let delete = try planner.statement(for: .delete(Self.empty, old: .full(TupleData([]))))
        #expect(delete?.sql == "DELETE FROM ONLY s.nocols WHERE ctid = (SELECT ctid FROM ONLY s.nocols WHERE true LIMIT 1)")
    }
}

@Suite struct DisplayedIdentifierTests {
    @Test func namesPrintAsQuoteIdentWithControlCharactersEscaped() {
        #expect(QualifiedName("public", "plain").description == "public.plain")
        #expect(QualifiedName("My Schema", "select").description == #""My Schema"."select""#)
        #expect(QualifiedName("public", "\"dqname\"").description == #"public."""dqname""""#)
        #expect(QualifiedName("public", "a\nb\\c\"").description == #"public.U&"a\000Ab\\c""""#)
        #expect(QualifiedName("public", "tab\there").dotted == "public.tab\there")
    }
}
