import FerryTestSupport
import PGClient
import Testing

/// Typed row accessors against values a real server prints: right values decode, and a missing
/// column, an unexpected NULL or an unparseable value throws an error that names all three.
@Suite struct QueryResultTests {
    static func row(_ sql: PGQuery) async throws -> QueryResult.Row {
        let connection = try await PGConnection.connect(try await TestServers.source.configuration())
        let result = try await connection.query(sql)
        await connection.close()
        return result.rows[0]
    }

    /// The error's message, or nil when `body` did not throw a PGError.
    static func failure<T>(_ body: () throws -> T) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as PGError {
            return error.code == .protocolViolation ? error.message : "wrong code \(error.code): \(error.message)"
        } catch {
            return "not a PGError: \(error)"
        }
    }

    @Test func valuesDecodeIntoTheirTypes() async throws {
        let row = try await Self.row("""
            SELECT 42 AS i, 9223372036854775807::int8 AS big, 4294967295::oid AS oid, true AS yes, false AS no,
                   'it''s' AS text, '' AS empty, NULL::int AS absent, -7::int4 AS small,
                   ARRAY['a', 'b c', 'd"e', 'f\\g', '', 'NULL', '{x}'] AS items, '{}'::text[] AS none
            """)
        #expect(try row.int("i") == 42)
        #expect(try row.int64("big") == Int64.max)
        #expect(try row.oid("oid") == UInt32.max)
        #expect(try row.bool("yes") && !row.bool("no"))
        #expect(try row.string("text") == "it's")
        #expect(try row.string("empty") == "")
        #expect(try row.optionalInt("absent") == nil)
        #expect(try row.optionalString("absent") == nil)
        #expect(try row.optionalArray("absent") == nil)
        #expect(try row.decode("small", as: Int32.self) == -7)
        #expect(try row.decode("i", as: Int?.self) == 42)
        #expect(try row.array("items") == ["a", "b c", "d\"e", "f\\g", "", "NULL", "{x}"])
        #expect(try row.array("none") == [])
    }

    @Test func aMissingColumnNamesItAndTheColumnsThereAre() async throws {
        let row = try await Self.row("SELECT 1 AS relname, 2 AS nspname")
        let message = Self.failure { try row.string("relnmae") }
        #expect(message == "the result has no column \"relnmae\"; its columns: \"relname\", \"nspname\"")
        #expect(Self.failure { try row.optionalString("relnmae") } != nil, "an optional accessor still needs the column")
    }

    @Test func nullIntoANonOptionalAccessorThrows() async throws {
        let row = try await Self.row("SELECT NULL::int AS n, NULL::text AS t, NULL::bool AS b")
        #expect(Self.failure { try row.int("n") } == "column \"n\" holds NULL, expected an integer (Int)")
        #expect(Self.failure { try row.string("t") } == "column \"t\" holds NULL, expected text")
        #expect(Self.failure { try row.bool("b") } == "column \"b\" holds NULL, expected a boolean (t or f)")
    }

    @Test func junkNeverBecomesZeroOrFalse() async throws {
        let row = try await Self.row("""
            SELECT 'abc' AS n, '1.5' AS fraction, 9223372036854775808::numeric AS too_big, -1 AS negative_oid,
                   'true' AS word, 'T' AS capital, '{a,NULL}'::text[] AS null_element, '{{a},{b}}'::text[] AS matrix,
                   repeat('x', 200) AS long
            """)
        #expect(Self.failure { try row.int("n") } == "column \"n\" holds \"abc\", expected an integer (Int)")
        #expect(Self.failure { try row.int("fraction") } != nil)
        #expect(Self.failure { try row.int64("too_big") } == "column \"too_big\" holds \"9223372036854775808\", expected an integer (Int64)")
        #expect(Self.failure { try row.oid("negative_oid") } != nil)
        #expect(Self.failure { try row.bool("word") } == "column \"word\" holds \"true\", expected a boolean (t or f)")
        #expect(Self.failure { try row.bool("capital") } != nil)
        #expect(Self.failure { try row.array("null_element") }?.contains("without NULL elements") == true)
        #expect(Self.failure { try row.array("matrix") } != nil)
        #expect(Self.failure { try row.array("n") } != nil, "text that is no array")
        // Values are cut to 64 characters in the message.
        #expect(Self.failure { try row.int("long") } == "column \"long\" holds \"\(String(repeating: "x", count: 64))…\", expected an integer (Int)")
    }

    @Test func malformedArrayTextIsRejected() {
        #expect(PostgresArray.parse("{a,\"b") == nil, "an unterminated quote")
        #expect(PostgresArray.parse("a,b") == nil)
        #expect(PostgresArray.parse("{") == nil)
        #expect(PostgresArray.parse("{\"NULL\",x}") == ["NULL", "x"], "a quoted NULL is text")
    }
}
