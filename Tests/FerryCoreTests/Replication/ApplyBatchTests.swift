import FerryCore
import Testing

@Suite struct ApplyBatchTests {
    let now = ContinuousClock.now

    func transaction(_ commit: UInt64) -> ReplicatedTransaction {
        ReplicatedTransaction(xid: UInt32(commit), commitLSN: LSN(rawValue: commit), endLSN: LSN(rawValue: commit + 8),
                              commitTime: ReplicationTimestamp(unixMicroseconds: 0), changes: [])
    }

    func inserts(_ count: Int) -> [ApplyStatement] {
        (0..<count).map { ApplyStatement(sql: "INSERT INTO t VALUES ($1::int)", parameters: [.text(Array("\($0)".utf8))]) }
    }

    @Test func smallTransactionsShareOneTargetTransactionThatRecordsTheLastCommit() throws {
        var batch = ApplyBatch()
        #expect(batch.isEmpty && !batch.canCommit)
        batch.queue(transaction(0x100), statements: inserts(2), at: now)
        batch.queue(transaction(0x200), statements: inserts(3), at: now)
        #expect(batch.canCommit && batch.transactions == 2 && batch.statements == 5)
        #expect(!batch.commitDue(at: now, end: nil))  // small and young: the loop commits when the stream runs dry

        let taken = batch.takeCommitChunk()
        let chunk = try #require(taken)
        #expect(chunk.statements.first?.sql == "BEGIN")
        #expect(chunk.changes == 1..<6)
        #expect(chunk.statements.last == ReplicationCommands.recordOriginProgress(of: transaction(0x200)))
        #expect(batch.last?.commitLSN == LSN(rawValue: 0x200))
        batch.committed()
        #expect(batch.isEmpty && !batch.isOpen && batch.last == nil)
    }

    @Test func fullChunksGoOutInsideTheOpenTransactionWithoutASecondBegin() throws {
        var batch = ApplyBatch(chunkSize: 4)
        batch.queue(transaction(0x100), statements: inserts(5), at: now)
        #expect(batch.chunkFull)
        let first = batch.takeChunk()
        #expect(first.statements.count == 6 && first.changes == 1..<6)
        #expect(batch.isOpen && !batch.chunkFull)
        batch.queue(transaction(0x200), statements: inserts(1), at: now)
        let taken = batch.takeCommitChunk()
        let last = try #require(taken)
        #expect(last.statements.map(\.sql) == ["INSERT INTO t VALUES ($1::int)",
                                               "SELECT pg_catalog.pg_replication_origin_xact_setup($1::pg_catalog.pg_lsn, $2::pg_catalog.timestamptz)"])
        #expect(last.changes == 0..<1)
    }

    @Test func aPartlyQueuedLargeTransactionHoldsTheCommitUntilItsOwn() throws {
        var batch = ApplyBatch(maxStatements: 10)
        batch.queue(transaction(0x100), statements: inserts(1), at: now)
        batch.queuePart(inserts(20), at: now)
        // Committing now would commit half of the large one.
        #expect(!batch.canCommit)
        #expect(!batch.commitDue(at: now + .seconds(60), end: LSN(rawValue: 0x50)))
        #expect(batch.takeCommitChunk() == nil)
        batch.queue(transaction(0x300), statements: inserts(2), at: now)
        #expect(batch.canCommit && batch.transactions == 2)
        #expect(batch.commitDue(at: now, end: nil))  // 23 statements > 10
    }

    @Test func aBatchCommitsOnceOldOrAtTheEndPosition() {
        var batch = ApplyBatch(maxDelay: .milliseconds(200))
        batch.queue(transaction(0x100), statements: inserts(1), at: now)
        #expect(!batch.commitDue(at: now + .milliseconds(100), end: nil))
        #expect(batch.commitDue(at: now + .milliseconds(200), end: nil))
        #expect(!batch.commitDue(at: now, end: LSN(rawValue: 0x101)))
        #expect(batch.commitDue(at: now, end: LSN(rawValue: 0x100)))
    }
}
