import FerryCore
import Testing

@Suite struct TransactionAssemblerTests {
    private func t(_ string: String) -> TupleValue { .text(Array(string.utf8)) }

    private func assemble(_ messages: [PgOutputMessage]) throws -> [ReplicationEvent] {
        var assembler = TransactionAssembler()
        return try messages.compactMap { try assembler.receive($0) }
    }

    @Test func capturedStreamBecomesTransactionsInCommitOrder() throws {
        let events = try assemble(PgOutputCapture.messages(PgOutputCapture.text))
        let transactions = events.compactMap { event -> ReplicatedTransaction? in
            if case .transaction(let transaction) = event { return transaction } else { return nil }
        }
        #expect(transactions.map(\.xid) == [737, 738, 739, 740, 741, 742, 743, 745, 747])
        #expect(transactions.map { $0.changes.count } == [2, 1, 2, 1, 1, 1, 1, 1, 1])
        #expect(transactions.map(\.commitLSN) == transactions.map(\.commitLSN).sorted())
        #expect(transactions[0].commitLSN == LSN("0/1517440"))
        #expect(transactions[0].endLSN == LSN("0/1517470"))
        // The non-transactional message arrives on its own, between transactions 743 and 745.
        guard case .message(let now) = events[7] else {
            Issue.record("expected the non-transactional message 8th, got \(events[7])")
            return
        }
        #expect(now.prefix == "pgferry" && now.content == Array("now".utf8) && !now.isTransactional)
        #expect(transactions[6].changes == [.message(.init(isTransactional: true, lsn: LSN("0/1518DC0")!, prefix: "pgferry", content: Array("marker-1".utf8)))])
        #expect(transactions[7].origin == .init(commitLSN: LSN("0/ABCDEF")!, name: "pgferry_test"))
        #expect(transactions[0].origin == nil)
    }

    @Test(arguments: [
        (PgOutputOtherVersionsCapture.postgres14, [2, 1, 2, 1, 1, 1, 1, 0, 1, 0, 1]),
        (PgOutputOtherVersionsCapture.postgres18, [2, 1, 2, 1, 1, 1, 1, 1, 1]),
    ])
    func otherVersionsAssembleAlike(stream: [String], changesPerTransaction: [Int]) throws {
        let events = try assemble(PgOutputCapture.messages(stream))
        let transactions = events.compactMap { event -> ReplicatedTransaction? in
            if case .transaction(let transaction) = event { return transaction } else { return nil }
        }
        #expect(transactions.map { $0.changes.count } == changesPerTransaction)
        #expect(transactions.compactMap(\.origin?.name) == ["pgferry_test"])
        #expect(events.count == transactions.count + 1)  // the non-transactional message
        // Same changes as on 15, resolved the same way: planned statements match.
        let planner = ApplyPlanner(targets: ApplyPlannerTests.targets)
        let statements = try transactions.flatMap(\.changes).compactMap { try planner.statement(for: $0)?.sql }
        let statements15 = try assemble(PgOutputCapture.messages(PgOutputCapture.text)).flatMap { event -> [RowChange] in
            if case .transaction(let transaction) = event { return transaction.changes } else { return [] }
        }.compactMap { try planner.statement(for: $0)?.sql }
        #expect(statements == statements15)
    }

    @Test func changesResolveAgainstTheRelationAsItWasThen() throws {
        var assembler = TransactionAssembler()
        var transactions: [ReplicatedTransaction] = []
        for message in try PgOutputCapture.messages(PgOutputCapture.text) {
            if case .transaction(let transaction) = try assembler.receive(message) { transactions.append(transaction) }
        }
        guard case .update(let before, _, _) = transactions[3].changes[0], case .insert(let after, let row) = transactions[8].changes[0]
        else {
            Issue.record("expected an update in 740 and an insert in 747")
            return
        }
        #expect(before.columns.map(\.name) == ["a", "b"])
        #expect(after.columns.map(\.name) == ["a", "b", "c"])
        #expect(row == TupleData([t("5"), t("five"), t("55")]))
        #expect(assembler.relations[16399]?.columns.count == 3)
        #expect(assembler.types[16386]?.name == "mood")
        guard case .truncate(let truncated, let options) = transactions[5].changes[0] else {
            Issue.record("expected a truncate in 742")
            return
        }
        #expect(truncated.map(\.qualifiedName) == ["s.parent", "s.child"])
        #expect(options == [.cascade, .restartIdentity])
    }

    @Test func aLargeTransactionCanBeTakenAsItArrives() throws {
        let m = try PgOutputCapture.messages(PgOutputCapture.text)
        // 737: Begin, Type, Relation, Insert, Insert, Commit.
        var assembler = TransactionAssembler()
        #expect(assembler.openTransaction == nil)
        #expect(assembler.takeBufferedChanges().isEmpty)
        for message in m[0...3] { #expect(try assembler.receive(message) == nil) }
        #expect(assembler.openTransaction?.begin.xid == 737)
        let first = assembler.takeBufferedChanges()
        #expect(first.count == 1)
        #expect(assembler.takeBufferedChanges().isEmpty)
        #expect(try assembler.receive(m[4]) == nil)
        guard case .transaction(let rest) = try assembler.receive(m[5]) else {
            Issue.record("expected the transaction at its Commit")
            return
        }
        #expect(rest.changes.count == 1)
        #expect(first + rest.changes == (try assemble(Array(m[0...5]))).flatMap { event -> [RowChange] in
            if case .transaction(let transaction) = event { return transaction.changes } else { return [] }
        })
        #expect(assembler.openTransaction == nil)
    }

    private func violation(_ messages: [PgOutputMessage]) -> String? {
        do {
            _ = try assemble(messages)
            return nil
        } catch {
            return String(describing: error)
        }
    }

    @Test func protocolViolationsAreErrors() throws {
        let m = try PgOutputCapture.messages(PgOutputCapture.text)
        // m[0] Begin 737, m[2] Relation s.items, m[3] Insert, m[5] Commit 737, m[6] Begin 738, m[30] Origin.
        #expect(violation([m[2], m[3]]) == "Insert into s.items outside a transaction (expected a Begin first)")
        #expect(
            violation([m[0], m[3]])
                == "Insert for relation oid 16391, which no Relation message described (expected one before the first change)")
        #expect(violation([m[0], m[6]]) == "Begin of xid 738 while xid 737 is still open (expected its Commit first)")
        #expect(violation([m[5]]) == "Commit at 0/1517440 outside a transaction (expected a Begin first)")
        #expect(violation([m[6], m[5]]) == "Commit LSN 0/1517440 of xid 738 differs from its Begin's final LSN 0/1517510")
        #expect(violation([m[30]]) == "Origin \"pgferry_test\" outside the start of a transaction (expected right after Begin)")
        #expect(violation([m[0], m[26]]) == nil)  // a transactional message inside: fine
        #expect(violation([m[26]]) == "transactional message \"pgferry\" outside a transaction (expected a Begin first)")
        // s.everything after its new column, then a change with the old column count.
        #expect(
            violation([m[35], m[13], m[15]])
                == "Update for s.everything carries 2 columns, its Relation message 3")
    }
}
