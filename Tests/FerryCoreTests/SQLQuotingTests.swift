import FerryCore
import Testing

@Suite struct SQLQuotingTests {
    @Test func plainLowerCaseNamesStayBare() {
        #expect(SQL.identifier("messages") == "messages")
        #expect(SQL.identifier("_x1$") == "\"_x1$\"")
        #expect(SQL.identifier("a1_b") == "a1_b")
    }

    @Test func upperCaseKeywordsSpacesQuotesAndUnicodeAreQuoted() {
        #expect(SQL.identifier("Messages") == "\"Messages\"")
        #expect(SQL.identifier("select") == "\"select\"")
        #expect(SQL.identifier("timestamp") == "\"timestamp\"")
        #expect(SQL.identifier("my table") == "\"my table\"")
        #expect(SQL.identifier("a\"b") == "\"a\"\"b\"")
        #expect(SQL.identifier("données") == "\"données\"")
        #expect(SQL.identifier("1abc") == "\"1abc\"")
        #expect(SQL.identifier("") == "\"\"")
    }

    @Test func unreservedKeywordsStayBare() {
        // quote_ident leaves unreserved keywords alone: key, value, name, data.
        #expect(SQL.identifier("key") == "key")
        #expect(SQL.identifier("value") == "value")
    }

    @Test func literalsDoubleSingleQuotesAndKeepBackslashes() {
        #expect(SQL.literal("it's") == "'it''s'")
        #expect(SQL.literal("a\\b") == "'a\\b'")
        #expect(SQL.qualified("Q", "t") == "\"Q\".t")
    }
}
