import FerryCore
import Testing

@Suite struct ApplyPlannerTests {
    static let targets = [
        ApplyTarget(
            name: QualifiedName("s", "items"), isPartitioned: false,
            columnTypes: [
                "id": "integer", "name": "text", "doc": "jsonb", "flag": "boolean", "mood": "s.mood", "total": "numeric(10,2)",
                "twice": "integer",
            ]),
        ApplyTarget(name: QualifiedName("s", "everything"), isPartitioned: false, columnTypes: ["a": "integer", "b": "text", "c": "integer"]),
        ApplyTarget(name: QualifiedName("s", "parent"), isPartitioned: false, columnTypes: ["id": "integer", "v": "text"]),
        ApplyTarget(name: QualifiedName("s", "child"), isPartitioned: false, columnTypes: ["id": "integer", "parent_id": "integer"]),
    ]

    /// The statements of each captured transaction, in order (nil for a logical message).
    private func statements(_ stream: [String], targets: [ApplyTarget] = targets) throws -> [[ApplyStatement?]] {
        let planner = ApplyPlanner(targets: targets)
        var assembler = TransactionAssembler()
        var result: [[ApplyStatement?]] = []
        for message in try PgOutputCapture.messages(stream) {
            guard case .transaction(let transaction) = try assembler.receive(message) else { continue }
            result.append(try transaction.changes.map { try planner.statement(for: $0) })
        }
        return result
    }

    private func text(_ values: String...) -> [ApplyParameter] { values.map { .text(Array($0.utf8)) } }

    @Test func aRunOfInsertsIntoOneTableBecomesMultiRowStatementsOfAFixedSize() throws {
        let parent = PgOutputMessage.Relation(
            id: 1, namespace: "s", name: "parent", replicaIdentity: .default,
            columns: [.init(name: "id", isKey: true, typeOID: 23, typeModifier: -1), .init(name: "v", isKey: false, typeOID: 25, typeModifier: -1)])
        let child = PgOutputMessage.Relation(
            id: 2, namespace: "s", name: "child", replicaIdentity: .default,
            columns: [.init(name: "id", isKey: true, typeOID: 23, typeModifier: -1), .init(name: "parent_id", isKey: false, typeOID: 23, typeModifier: -1)])
        let row = { (id: Int) in TupleData([.text(Array("\(id)".utf8)), id % 2 == 0 ? .null : .text(Array("v\(id)".utf8))]) }
        let changes = (1...250).map { RowChange.insert(parent, new: row($0)) }
            + [.insert(child, new: TupleData([.text(Array("1".utf8)), .text(Array("1".utf8))]))]
            + (251...252).map { RowChange.insert(parent, new: row($0)) }
        let statements = try ApplyPlanner(targets: Self.targets).statements(for: changes)
        #expect(statements.count == 2 + 50 + 1 + 2)
        #expect(statements[0].sql.hasPrefix("INSERT INTO s.parent (id, v) VALUES ($1::integer, $2::text), ($3::integer, $4::text), "))
        #expect(statements[0].sql.hasSuffix("($199::integer, $200::text)"))
        #expect(statements[0].sql == statements[1].sql, "one text for every 100 rows: prepared once")
        #expect(statements[0].parameters.prefix(4) == [.text(Array("1".utf8)), .text(Array("v1".utf8)), .text(Array("2".utf8)), .null])
        #expect(statements[1].parameters.first == .text(Array("101".utf8)))
        // The rest of the run row by row, as a lone insert is.
        #expect(statements[2].sql == "INSERT INTO s.parent (id, v) VALUES ($1::integer, $2::text)")
        #expect(statements[3].sql == "INSERT INTO s.parent (id, v) VALUES ($1::integer, NULL)")
        #expect(statements[52].sql.hasPrefix("INSERT INTO s.child"))
        #expect(statements[53].parameters == [.text(Array("251".utf8)), .text(Array("v251".utf8))])
    }

    @Test func insertNamesEverySentColumnWithNullsInline() throws {
        let transactions = try statements(PgOutputCapture.text)
        #expect(
            transactions[0][0]
                == ApplyStatement(
                    sql:
                        "INSERT INTO s.items (id, name, doc, flag, mood, total) VALUES ($1::integer, $2::text, $3::jsonb, $4::boolean, $5::s.mood, $6::numeric(10,2))",
                    parameters: text("1", "it's", "{\"a\": 1}", "t", "happy", "12.50")))
        #expect(
            transactions[0][1]
                == ApplyStatement(
                    sql: "INSERT INTO s.items (id, name, doc, flag, mood, total) VALUES ($1::integer, NULL, NULL, $2::boolean, NULL, NULL)",
                    parameters: text("2", "f")))
        #expect(
            transactions[7][0]
                == ApplyStatement(sql: "INSERT INTO s.parent (id, v) VALUES ($1::integer, $2::text)", parameters: text("1", "from origin")))
    }

    @Test func updateSkipsUnchangedToastAndFindsTheRowByKey() throws {
        let transactions = try statements(PgOutputCapture.text)
        #expect(
            transactions[1][0]
                == ApplyStatement(
                    sql:
                        "UPDATE ONLY s.items SET id = $1::integer, name = $2::text, flag = NULL, mood = NULL, total = NULL WHERE id = $3::integer",
                    parameters: text("100", "bigger", "100"), expectsOneRow: true))
        // The key changed: the old key finds the row.
        #expect(
            transactions[2][0]
                == ApplyStatement(
                    sql:
                        "UPDATE ONLY s.items SET id = $1::integer, name = NULL, doc = NULL, flag = $2::boolean, mood = NULL, total = NULL WHERE id = $3::integer",
                    parameters: text("3", "f", "2"), expectsOneRow: true))
        #expect(
            transactions[2][1]
                == ApplyStatement(sql: "DELETE FROM ONLY s.items WHERE id = $1::integer", parameters: text("1"), expectsOneRow: true))
    }

    @Test func replicaIdentityFullTouchesOneOfIdenticalRows() throws {
        let transactions = try statements(PgOutputCapture.text)
        #expect(
            transactions[3][0]
                == ApplyStatement(
                    sql:
                        "UPDATE ONLY s.everything SET a = $1::integer, b = $2::text WHERE ctid = (SELECT ctid FROM ONLY s.everything WHERE a = $3::integer AND b = $4::text LIMIT 1)",
                    parameters: text("1", "uno", "1", "one"), expectsOneRow: true))
        #expect(
            transactions[4][0]
                == ApplyStatement(
                    sql:
                        "DELETE FROM ONLY s.everything WHERE ctid = (SELECT ctid FROM ONLY s.everything WHERE a = $1::integer AND b IS NULL LIMIT 1)",
                    parameters: text("2"), expectsOneRow: true))
        // A partitioned target: ctid is unique only within a partition.
        var partitioned = Self.targets
        partitioned[1].isPartitioned = true
        #expect(
            try statements(PgOutputCapture.text, targets: partitioned)[4][0]
                == ApplyStatement(
                    sql:
                        "DELETE FROM s.everything WHERE (tableoid, ctid) = (SELECT tableoid, ctid FROM s.everything WHERE a = $1::integer AND b IS NULL LIMIT 1)",
                    parameters: text("2"), expectsOneRow: true))
    }

    @Test func truncateKeepsItsOptionsAndMessagesChangeNothing() throws {
        let transactions = try statements(PgOutputCapture.text)
        #expect(transactions[5] == [ApplyStatement(sql: "TRUNCATE ONLY s.parent, ONLY s.child RESTART IDENTITY CASCADE")])
        #expect(transactions[6] == [nil])
    }

    @Test func binaryValuesBecomeBinaryParameters() throws {
        let transactions = try statements(PgOutputCapture.binary)
        #expect(transactions[0][1]?.parameters == [.binary([0, 0, 0, 2]), .binary([0])])
        #expect(transactions[1][0]?.parameters == [.binary([0, 0, 0, 100]), .binary(Array("bigger".utf8)), .binary([0, 0, 0, 100])])
    }

    @Test func identifiersAreQuoted() throws {
        let relation = PgOutputMessage.Relation(
            id: 1, namespace: "My Schema", name: "select", replicaIdentity: .default,
            columns: [
                .init(name: "Key", isKey: true, typeOID: 23, typeModifier: -1),
                .init(name: "a\"b", isKey: false, typeOID: 25, typeModifier: -1),
            ])
        let planner = ApplyPlanner(targets: [
            ApplyTarget(name: QualifiedName("My Schema", "select"), isPartitioned: false, columnTypes: ["Key": "integer", "a\"b": "\"My Schema\".\"T\""])
        ])
        #expect(
            try planner.statement(for: .update(relation, old: nil, new: TupleData([.text([0x31]), .text([0x32])])))
                == ApplyStatement(
                    sql: "UPDATE ONLY \"My Schema\".\"select\" SET \"Key\" = $1::integer, \"a\"\"b\" = $2::\"My Schema\".\"T\" WHERE \"Key\" = $3::integer",
                    parameters: [.text([0x31]), .text([0x32]), .text([0x31])], expectsOneRow: true))
    }

    @Test func catalogTablesBecomeTargetsAndGeneratedColumnsAreNeverWritten() throws {
        let traces = try #require(CatalogSamples.queen.table(CatalogSamples.traces))
        let target = ApplyTarget(traces)
        #expect(target.columnTypes == ["id": "bigint", "message_id": "uuid", "doubled": "bigint"])
        #expect(target.generatedColumns == ["doubled"])
        #expect(target.identityAlwaysColumns == ["id"])
        #expect(!target.isPartitioned)
        // A source that publishes the generated column (18's publish_generated_columns).
        let relation = PgOutputMessage.Relation(
            id: 9, namespace: "queen", name: "message_traces", replicaIdentity: .default,
            columns: [
                .init(name: "id", isKey: true, typeOID: 20, typeModifier: -1),
                .init(name: "message_id", isKey: false, typeOID: 2950, typeModifier: -1),
                .init(name: "doubled", isKey: false, typeOID: 20, typeModifier: -1),
            ])
        let planner = ApplyPlanner(targets: [target])
        let row = TupleData([.text(Array("4".utf8)), .null, .text(Array("8".utf8))])
        #expect(
            try planner.statement(for: .insert(relation, new: row))
                == ApplyStatement(
                    sql: "INSERT INTO queen.message_traces (id, message_id) OVERRIDING SYSTEM VALUE VALUES ($1::bigint, NULL)",
                    parameters: [.text(Array("4".utf8))]))
        #expect(
            try planner.statement(for: .update(relation, old: nil, new: row))?.sql
                == "UPDATE ONLY queen.message_traces SET message_id = NULL WHERE id = $1::bigint")  // an identity ALWAYS, unchanged
    }

    private func failure(_ planner: ApplyPlanner, _ change: RowChange) -> String? {
        do {
            _ = try planner.statement(for: change)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func changesThatCannotBeAppliedAreErrors() throws {
        let everything = PgOutputMessage.Relation(
            id: 16399, namespace: "s", name: "everything", replicaIdentity: .nothing,
            columns: [.init(name: "a", isKey: false, typeOID: 23, typeModifier: -1)])
        let planner = ApplyPlanner(targets: Self.targets)
        #expect(
            failure(planner, .update(everything, old: nil, new: TupleData([.text([0x31])])))
                == "Update of s.everything carries no old row and the relation has no replica identity key (replica identity 'n')")
        #expect(
            failure(ApplyPlanner(targets: []), .insert(everything, new: TupleData([.null])))
                == "no target table for the published relation s.everything (source oid 16399); the target must hold every table of the publication")
        var renamed = everything
        renamed.columns[0].name = "gone"
        #expect(
            failure(planner, .insert(renamed, new: TupleData([.text([0x31])])))
                == "the target table s.everything has no column gone, which the source publishes (the schemas differ: DDL changed on the source?)")
        #expect(
            failure(planner, .delete(everything, old: .key(TupleData([.text([0x31])]))))
                == "Delete of s.everything sent an old key but the relation has no replica identity columns (a partitioned table published through its root needs the root's REPLICA IDENTITY to match its partitions')")
        var keyed = everything
        keyed.columns[0].isKey = true
        #expect(
            failure(planner, .delete(keyed, old: .key(TupleData([.unchangedToast]))))
                == "Delete of s.everything sent key column a as an unchanged TOAST value (expected its value)")
    }
}
