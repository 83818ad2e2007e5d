import FerryTestSupport
import PGClient
import Testing

/// Interpolated values become typed `$n` parameters: the server receives them as values of
/// their type, never as SQL text.
@Suite struct PGQueryTests {
    @Test func valuesBecomeNumberedParametersAndFragmentsKeepTheirOwn() {
        let names = ["a", "b"]
        let filter: PGQuery = "relname = ANY(\(names))"
        let query: PGQuery = "SELECT \(Int32(7)) WHERE \(filter) AND relnamespace = \(UInt32(11)) \(unescaped: "ORDER BY 1")"
        #expect(query.sql == "SELECT $1 WHERE relname = ANY($2) AND relnamespace = $3 ORDER BY 1")
        #expect(query.binds.map(\.type) == [PGType.int4.oid, PGType.text.arrayOID, PGType.oid.oid])
        #expect(query.binds.map(\.text) == ["7", #"{"a","b"}"#, "11"])
        #expect([filter, filter].joined(separator: " OR ").sql == "relname = ANY($1) OR relname = ANY($2)")
    }

    @Test func theServerReadsEachValueAsItsTypeWhateverItHolds() async throws {
        let tricky = #"it's "quoted" \ NULL; DROP TABLE x"#
        let array = [tricky, "NULL", "", "{a,b}"]
        let missing: String? = nil
        let row = try await PGConnection.withConnection(try await TestServers.source.configuration()) { connection in
            try await connection.query("""
                SELECT \(tricky) AS text, pg_typeof(\(tricky))::text AS text_type,
                       \(array) = ARRAY[\(tricky), 'NULL', '', '{a,b}'] AS same_array, array_length(\(array), 1) AS length,
                       \(missing) IS NULL AS null, pg_typeof(\(missing))::text AS null_type,
                       \(Int64.max) = 9223372036854775807 AS big, \(true) AS yes, \(UInt32.max)::text AS oid
                """).rows[0]
        }
        #expect(try row.string("text") == tricky)
        #expect(try row.string("text_type") == "text")
        #expect(try row.bool("same_array"))
        #expect(try row.int("length") == 4)
        #expect(try row.bool("null"))
        #expect(try row.string("null_type") == "text")
        #expect(try row.bool("big") && row.bool("yes"))
        #expect(try row.string("oid") == "4294967295")
    }
}
