import FerryCore
import Testing

@Suite struct ReplicationCommandsTests {
    @Test func publicationUsesTheSchemaFormOnlyOn15WithNothingExcluded() {
        let options = "WITH (publish = 'insert, update, delete, truncate', publish_via_partition_root = true)"
        #expect(
            ReplicationCommands.createPublication("pgferry_pub", schema: "App", tables: ["b", "a"], excludesTables: false, serverVersion: 150004)
                == "CREATE PUBLICATION pgferry_pub FOR TABLES IN SCHEMA \"App\" \(options)")
        #expect(
            ReplicationCommands.createPublication("pgferry_pub", schema: "App", tables: ["b", "Order"], excludesTables: true, serverVersion: 180000)
                == "CREATE PUBLICATION pgferry_pub FOR TABLE \"App\".\"Order\", \"App\".b \(options)")
        #expect(
            ReplicationCommands.createPublication("p", schema: "s", tables: ["t"], excludesTables: false, serverVersion: 140011)
                == "CREATE PUBLICATION p FOR TABLE s.t \(options)")
        #expect(
            ReplicationCommands.createPublication("p", schema: "s", tables: [], excludesTables: true, serverVersion: 160000)
                == "CREATE PUBLICATION p \(options)")
        #expect(ReplicationCommands.dropPublication("My Pub") == "DROP PUBLICATION IF EXISTS \"My Pub\"")
    }

    @Test func originProgressIsRecordedInTheAppliedTransaction() {
        let transaction = ReplicatedTransaction(
            xid: 7, commitLSN: LSN("0/1517440")!, endLSN: LSN("0/1517470")!, commitTime: ReplicationTimestamp(rawValue: 1), changes: [])
        #expect(
            ReplicationCommands.recordOriginProgress(of: transaction)
                == ApplyStatement(
                    sql: "SELECT pg_catalog.pg_replication_origin_xact_setup($1::pg_catalog.pg_lsn, $2::pg_catalog.timestamptz)",
                    parameters: [.text(Array("0/1517440".utf8)), .text(Array("2000-01-01 00:00:00.000001+00".utf8))]))
        #expect(ReplicationCommands.originProgress("pgferry_x").sql == "SELECT pg_catalog.pg_replication_origin_progress($1, true)")
    }
}
