import FerryCore

/// pgoutput protocol 1 messages captured from a real server, one per row of
/// `pg_logical_slot_peek_binary_changes`, i.e. one XLogData payload each.
///
/// Captured on PostgreSQL 15.18 (Debian), `wal_level = logical`, by running the SQL below with
/// psql and then, once with `'binary', 'false'` (`text`) and once with `'binary', 'true'` (`binary`):
///
///     SELECT encode(data, 'hex') FROM pg_logical_slot_peek_binary_changes('slot', NULL, NULL,
///       'proto_version', '1', 'publication_names', 'pub', 'binary', 'true', 'messages', 'true')
///
/// Source oids: s.mood 16386, s.items 16391, s.everything 16399, s.parent 16405, s.child 16413.
///
///     -- schema and data that exists before the slot
///     DROP SCHEMA IF EXISTS s CASCADE;
///     CREATE SCHEMA s;
///     CREATE TYPE s.mood AS ENUM ('sad', 'happy');
///     CREATE TABLE s.items (id int PRIMARY KEY, name text, doc jsonb, flag boolean, mood s.mood,
///                           total numeric(10,2), twice int GENERATED ALWAYS AS (id * 2) STORED);
///     ALTER TABLE s.items ALTER COLUMN doc SET STORAGE EXTERNAL;
///     CREATE TABLE s.everything (a int, b text);
///     ALTER TABLE s.everything REPLICA IDENTITY FULL;
///     CREATE TABLE s.parent (id serial PRIMARY KEY, v text);
///     CREATE TABLE s.child (id int PRIMARY KEY, parent_id int REFERENCES s.parent);
///     INSERT INTO s.items (id, name, doc) SELECT 100, 'big', jsonb_build_object('k', string_agg(md5(i::text), '')) FROM generate_series(1, 100) i;
///     INSERT INTO s.everything VALUES (1, 'one'), (1, 'one'), (2, NULL);
///     INSERT INTO s.parent (v) VALUES ('p1');
///     INSERT INTO s.child VALUES (1, 1);
///     CREATE PUBLICATION pub FOR TABLES IN SCHEMA s WITH (publish = 'insert, update, delete, truncate', publish_via_partition_root = true);
///     SELECT 'slot', lsn FROM pg_create_logical_replication_slot('slot', 'pgoutput');
///     -- 1: insert with a NULL, an enum (Type message), numeric, bool
///     INSERT INTO s.items (id, name, doc, flag, mood, total) VALUES (1, 'it''s', '{"a": 1}', true, 'happy', 12.50), (2, NULL, NULL, false, NULL, NULL);
///     -- 2: update of the non-TOAST column of the row with a TOASTed jsonb -> 'u'
///     UPDATE s.items SET name = 'bigger' WHERE id = 100;
///     -- 3: update that changes the primary key -> old key tuple 'K'; delete -> 'K'
///     BEGIN;
///     UPDATE s.items SET id = 3 WHERE id = 2;
///     DELETE FROM s.items WHERE id = 1;
///     COMMIT;
///     -- 4: REPLICA IDENTITY FULL: update and delete -> old tuple 'O'
///     UPDATE s.everything SET b = 'uno' WHERE a = 1 AND ctid = (SELECT ctid FROM s.everything WHERE a = 1 LIMIT 1);
///     DELETE FROM s.everything WHERE a = 2;
///     -- 5: TRUNCATE ... RESTART IDENTITY CASCADE
///     TRUNCATE s.parent RESTART IDENTITY CASCADE;
///     -- 6: messages, transactional and not
///     SELECT pg_logical_emit_message(true, 'pgferry', 'marker-1');
///     SELECT pg_logical_emit_message(false, 'pgferry', 'now');
///     -- 7: a transaction with a replication origin
///     SELECT pg_replication_origin_create('pgferry_test');
///     SELECT pg_replication_origin_session_setup('pgferry_test');
///     BEGIN;
///     SELECT pg_replication_origin_xact_setup('0/ABCDEF', '2026-01-01 00:00:00+00');
///     INSERT INTO s.parent (v) VALUES ('from origin');
///     COMMIT;
///     SELECT pg_replication_origin_session_reset();
///     -- 8: a relation that changes (new column) -> Relation sent again
///     ALTER TABLE s.everything ADD COLUMN c int;
///     INSERT INTO s.everything VALUES (5, 'five', 55);
enum PgOutputCapture {
    static let text: [String] = [
        "42000000000151744000030488414bcd4e000002e1",  // 0: B xid 737
        "590000400273006d6f6f6400",  // 1: Y xid 737
        "520000400773006974656d73006400060169640000000017ffffffff006e616d650000000019ffffffff00646f630000000edaffffffff00666c61670000000010ffffffff006d6f6f640000004002ffffffff00746f74616c00000006a4000a0006",  // 2: R xid 737
        "49000040074e000674000000013174000000046974277374000000087b2261223a20317d74000000017474000000056861707079740000000531322e3530",  // 3: I xid 737
        "49000040074e00067400000001326e6e7400000001666e6e",  // 4: I xid 737
        "43000000000001517440000000000151747000030488414bcd4e",  // 5: C xid 737
        "42000000000151751000030488414bcea4000002e2",  // 6: B xid 738
        "55000040074e000674000000033130307400000006626967676572756e6e6e",  // 7: U xid 738
        "43000000000001517510000000000151754000030488414bcea4",  // 8: C xid 738
        "42000000000151761800030488414bcf8f000002e3",  // 9: B xid 739
        "55000040074b00067400000001326e6e6e6e6e4e00067400000001336e6e7400000001666e6e",  // 10: U xid 739
        "44000040074b00067400000001316e6e6e6e6e",  // 11: D xid 739
        "43000000000001517618000000000151764800030488414bcf8f",  // 12: C xid 739
        "4200000000015176a000030488414bd07d000002e4",  // 13: B xid 740
        "520000400f730065766572797468696e670066000201610000000017ffffffff01620000000019ffffffff",  // 14: R xid 740
        "550000400f4f000274000000013174000000036f6e654e00027400000001317400000003756e6f",  // 15: U xid 740
        "430000000000015176a000000000015176d000030488414bd07d",  // 16: C xid 740
        "42000000000151771000030488414bd0c7000002e5",  // 17: B xid 741
        "440000400f4f00027400000001326e",  // 18: D xid 741
        "43000000000001517710000000000151774000030488414bd0c7",  // 19: C xid 741
        "420000000001518b3800030488414bd464000002e6",  // 20: B xid 742
        "52000040157300706172656e74006400020169640000000017ffffffff00760000000019ffffffff",  // 21: R xid 742
        "520000401d73006368696c64006400020169640000000017ffffffff00706172656e745f69640000000017ffffffff",  // 22: R xid 742
        "540000000203000040150000401d",  // 23: T xid 742
        "43000000000001518b380000000001518d7800030488414bd464",  // 24: C xid 742
        "420000000001518dc000030488414bd693000002e7",  // 25: B xid 743
        "4d010000000001518dc07067666572727900000000086d61726b65722d31",  // 26: M xid 743
        "43000000000001518dc00000000001518df000030488414bd693",  // 27: C xid 743
        "4d000000000001518e307067666572727900000000036e6f77",  // 28: M (no transaction)
        "4200000000015191f00002ea470ae86000000002e9",  // 29: B xid 745
        "4f0000000000abcdef706766657272795f7465737400",  // 30: O xid 745
        "52000040157300706172656e74006400020169640000000017ffffffff00760000000019ffffffff",  // 31: R xid 745
        "49000040154e0002740000000131740000000b66726f6d206f726967696e",  // 32: I xid 745
        "430000000000015191f000000000015192380002ea470ae86000",  // 33: C xid 745
        "4200000000015195f000030488414bda6f000002eb",  // 34: B xid 747
        "520000400f730065766572797468696e670066000301610000000017ffffffff01620000000019ffffffff01630000000017ffffffff",  // 35: R xid 747
        "490000400f4e000374000000013574000000046669766574000000023535",  // 36: I xid 747
        "430000000000015195f0000000000151962000030488414bda6f",  // 37: C xid 747
    ]

    static let binary: [String] = [
        "42000000000151744000030488414bcd4e000002e1",  // 0: B xid 737
        "590000400273006d6f6f6400",  // 1: Y xid 737
        "520000400773006974656d73006400060169640000000017ffffffff006e616d650000000019ffffffff00646f630000000edaffffffff00666c61670000000010ffffffff006d6f6f640000004002ffffffff00746f74616c00000006a4000a0006",  // 2: R xid 737
        "49000040074e00066200000004000000016200000004697427736200000009017b2261223a20317d62000000010162000000056861707079620000000c0002000000000002000c1388",  // 3: I xid 737
        "49000040074e00066200000004000000026e6e6200000001006e6e",  // 4: I xid 737
        "43000000000001517440000000000151747000030488414bcd4e",  // 5: C xid 737
        "42000000000151751000030488414bcea4000002e2",  // 6: B xid 738
        "55000040074e00066200000004000000646200000006626967676572756e6e6e",  // 7: U xid 738
        "43000000000001517510000000000151754000030488414bcea4",  // 8: C xid 738
        "42000000000151761800030488414bcf8f000002e3",  // 9: B xid 739
        "55000040074b00066200000004000000026e6e6e6e6e4e00066200000004000000036e6e6200000001006e6e",  // 10: U xid 739
        "44000040074b00066200000004000000016e6e6e6e6e",  // 11: D xid 739
        "43000000000001517618000000000151764800030488414bcf8f",  // 12: C xid 739
        "4200000000015176a000030488414bd07d000002e4",  // 13: B xid 740
        "520000400f730065766572797468696e670066000201610000000017ffffffff01620000000019ffffffff",  // 14: R xid 740
        "550000400f4f000262000000040000000162000000036f6e654e00026200000004000000016200000003756e6f",  // 15: U xid 740
        "430000000000015176a000000000015176d000030488414bd07d",  // 16: C xid 740
        "42000000000151771000030488414bd0c7000002e5",  // 17: B xid 741
        "440000400f4f00026200000004000000026e",  // 18: D xid 741
        "43000000000001517710000000000151774000030488414bd0c7",  // 19: C xid 741
        "420000000001518b3800030488414bd464000002e6",  // 20: B xid 742
        "52000040157300706172656e74006400020169640000000017ffffffff00760000000019ffffffff",  // 21: R xid 742
        "520000401d73006368696c64006400020169640000000017ffffffff00706172656e745f69640000000017ffffffff",  // 22: R xid 742
        "540000000203000040150000401d",  // 23: T xid 742
        "43000000000001518b380000000001518d7800030488414bd464",  // 24: C xid 742
        "420000000001518dc000030488414bd693000002e7",  // 25: B xid 743
        "4d010000000001518dc07067666572727900000000086d61726b65722d31",  // 26: M xid 743
        "43000000000001518dc00000000001518df000030488414bd693",  // 27: C xid 743
        "4d000000000001518e307067666572727900000000036e6f77",  // 28: M (no transaction)
        "4200000000015191f00002ea470ae86000000002e9",  // 29: B xid 745
        "4f0000000000abcdef706766657272795f7465737400",  // 30: O xid 745
        "52000040157300706172656e74006400020169640000000017ffffffff00760000000019ffffffff",  // 31: R xid 745
        "49000040154e0002620000000400000001620000000b66726f6d206f726967696e",  // 32: I xid 745
        "430000000000015191f000000000015192380002ea470ae86000",  // 33: C xid 745
        "4200000000015195f000030488414bda6f000002eb",  // 34: B xid 747
        "520000400f730065766572797468696e670066000301610000000017ffffffff01620000000019ffffffff01630000000017ffffffff",  // 35: R xid 747
        "490000400f4e0003620000000400000005620000000466697665620000000400000037",  // 36: I xid 747
        "430000000000015195f0000000000151962000030488414bda6f",  // 37: C xid 747
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func messages(_ stream: [String]) throws -> [PgOutputMessage] {
        try stream.map { try PgOutputMessage(decoding: bytes($0)) }
    }
}
