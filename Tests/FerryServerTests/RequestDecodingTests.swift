import Ferry
@testable import FerryServer
import FerryTestSupport
import Foundation
import Hummingbird
import Testing

/// Request bodies never crash the server: every odd value is a 400 naming the field.
@Suite("Request decoding")
struct RequestDecodingTests {
    /// A target body with one field's raw JSON value set (or replaced).
    static func body(_ field: String? = nil, _ value: String = "") -> String {
        var members = ["host": #""127.0.0.1""#, "database": #""d""#, "user": #""u""#]
        if let field { members[field] = value }
        return "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    static func fields(_ json: String) throws(BadRequest) -> RequestFields {
        try RequestFields(body: Array(json.utf8))
    }

    static func targetError(_ json: String) -> String? {
        do {
            _ = try fields(json).target()
            return nil
        } catch {
            return error.message
        }
    }

    @Test func numbersAreNeverTakenForTextFields() {
        // Issue 8: a number ≥ 2^63 in a text field trapped in String(Int(number)).
        for field in ["host", "database", "user", "password", "sslmode"] {
            for number in ["1e300", "1e19", "9223372036854775808", "-1e300", "1.5", "0", "-0", "5e-324"] {
                let json = Self.body(field, number)
                #expect(Self.targetError(json) == "\(field) must be a string, got a number", "\(json)")
            }
        }
        #expect(throws: BadRequest("schema must be a string, got a number")) { try Self.fields(#"{"schema":1e300}"#).schema() }
    }

    @Test func otherTypesForTextFieldsAreNamed() {
        let cases: [(String, String)] = [("true", "a boolean"), ("[\"h\"]", "an array"), ("{\"a\":1}", "an object")]
        for field in ["host", "database", "user", "password", "sslmode"] {
            for (value, name) in cases {
                let json = Self.body(field, value)
                #expect(Self.targetError(json) == "\(field) must be a string, got \(name)", "\(json)")
            }
        }
        #expect(Self.targetError(Self.body("ssl", #""yes""#)) == "ssl must be true or false, got a string")
        #expect(Self.targetError(Self.body("ssl", "{}")) == "ssl must be true or false, got an object")
    }

    @Test func portTakesANumberOrNumericStringInRange() throws {
        let accepted = "port must be a number from 1 to 65535"
        for (value, expected) in [("6543", 6543), ("\"6543\"", 6543), ("\" 6543 \"", 6543), ("1", 1), ("65535", 65535), ("6543.0", 6543)] {
            #expect(try Self.fields(Self.body("port", value)).port() == expected, "\(value)")
        }
        for value in ["1e300", "-1e300", "9223372036854775808", "-1", "0", "65536", "1.5"] {
            #expect(Self.targetError(Self.body("port", value))?.hasPrefix("\(accepted), got ") == true, "\(value)")
        }
        for value in ["\"54x\"", "\"1e3\"", "\"٣٤٥\"", "\"0x50\"", "\"99999999999999999999\""] {
            #expect(Self.targetError(Self.body("port", value))?.hasPrefix("\(accepted), got \"") == true, "\(value)")
        }
        #expect(Self.targetError(Self.body("port", "[5432]")) == "\(accepted), got an array")
        #expect(Self.targetError(Self.body("port", "true")) == "\(accepted), got a boolean")
    }

    @Test func jobsAndExclusionsAreChecked() {
        for value in ["1e300", "-1e300", "0", "65", "1.5"] {
            #expect(throws: BadRequest.self) { try Self.fields(#"{"jobs":\#(value)}"#).jobs() }
        }
        #expect(throws: BadRequest("jobs must be a whole number from 1 to 64, got a string")) { try Self.fields(#"{"jobs":"2"}"#).jobs() }
        #expect(throws: BadRequest(
            "excludeTableData must be an array of table names, e.g. [\"messages\", \"message_traces\"]; got an entry that is a number")) {
            try Self.fields(#"{"excludeTableData":["messages",1e300]}"#).excludeTableData()
        }
        #expect(throws: BadRequest.self) { try Self.fields(#"{"excludeTableData":[["messages"]]}"#).excludeTableData() }
    }

    @Test func deepNestingAndOddDocumentsAre400() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: BadRequest.self) { try Self.fields(deep) }
        let deepObject = Self.body("x", String(repeating: "{\"a\":", count: 20) + "1" + String(repeating: "}", count: 20))
        #expect(throws: BadRequest("request body nests JSON arrays/objects deeper than 16 levels: expected \(RequestFields.targetFieldsHelp)")) {
            try Self.fields(deepObject)
        }
        // Brackets inside strings do not count.
        #expect(throws: Never.self) { try Self.fields(#"{"password":"[[[[[[[[[[[[[[[[[[[[[[[[\"{{{{{{{{{{{{{{{{{{{{{{"}"#) }
        for text in ["NaN", "Infinity", "-Infinity", #"{"port":NaN}"#, #"{"port":Infinity}"#, #"{"port":1e999}"#, "1e999", "\"a\"", "null",
                     "true", #"{"host":"\ud800"}"#, "{\"host\":\"a\"", "\u{FEFF}{}", "{}garbage"] {
            do {
                let fields = try Self.fields(text)
                _ = try fields.target()
                Issue.record("expected a 400 for \(text)")
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test func onlyTheDocumentedFieldsReachLibpq() throws {
        // hostaddr, options, service, passfile, dbname… in a body are ignored: a request cannot set them.
        let json = #"{"host":"127.0.0.1","database":"d","user":"u","hostaddr":"10.9.9.9","options":"-c x=y","service":"s","passfile":"/p","dbname":"other","sslcert":"/c","requirepeer":"r"}"#
        let target = try Self.fields(json).target()
        #expect(Set(target.parameters.map(\.keyword)) == ["host", "port", "dbname", "user", "sslmode"])
        #expect(target["dbname"] == "d")
    }
}

/// A seeded fuzzer: random JSON documents against every POST route of an in-process server.
@Suite("Request fuzzing")
struct RequestFuzzTests {
    /// SplitMix64: small, seeded, the same sequence on every machine.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    /// Writes JSON text directly, so it can hold what encoders never produce (1e999, -0, escapes).
    struct DocumentWriter {
        var random: Generator
        let closedPort: Int

        static let numbers = ["0", "-0", "1", "-1", "1.5", "-2.5", "65535", "65536", "9007199254740993", "9223372036854775807",
                              "9223372036854775808", "18446744073709551616", "1e19", "1e300", "-1e300", "1e308", "1e999", "-1e999",
                              "5e-324", "1E+2", "0.0000001", "123456789012345678901234567890"]
        static let strings = ["", " ", "postgres", "queen", "messages", "disable", "verify-full", "true", "false", "127.0.0.1",
                              "a,b", "/tmp", "@abstract", "host=/tmp dbname=postgres", "ünïcødé", "日本語", "🚀🐘", "\u{202E}rtl",
                              "quote\"inside", "back\\slash", "new\nline", "nul\u{0}byte", String(repeating: "x", count: 5000)]
        static let invalidPorts = ["0", "-0", "-1", "1.5", "65536", "9007199254740993", "9223372036854775808", "1e19", "1e300",
                                   "-1e300", "1e999", "-1e999", "5e-324", "123456789012345678901234567890", "\"x\"", "\"70000\"",
                                   "\"-5\"", "\" \"", "[]", "{}", "true"]
        static let fields = ["host", "port", "database", "user", "password", "ssl", "sslmode", "schema", "excludeTableData", "jobs",
                             "hostaddr", "options", "dbname", "service", "passfile", "__proto__", ""]

        mutating func string(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            if random.chance(3) { out += random.pick(["\\ud800", "\\udfff", "\\u0000", "\\uFFFF"]) }
            return out + "\""
        }

        mutating func value(depth: Int) -> String {
            switch random.below(depth > 0 ? 8 : 5) {
            case 0: return "null"
            case 1: return random.chance(50) ? "true" : "false"
            case 2: return random.chance(50) ? random.pick(Self.numbers) : String(Int64(bitPattern: random.next()))
            case 3: return string(random.pick(Self.strings))
            case 4: return string(String((0..<random.below(12)).map { _ in Character(UnicodeScalar(UInt8(32 + random.below(90)))) }))
            case 5, 6: return "[" + (0..<random.below(4)).map { _ in value(depth: depth - 1) }.joined(separator: ",") + "]"
            default:
                return "{" + (0..<random.below(4)).map { _ in string(random.pick(Self.fields)) + ":" + value(depth: depth - 1) }
                    .joined(separator: ",") + "}"
            }
        }

        /// A field's value: mostly plausible, often of the wrong type. Text that is a valid host is
        /// always 127.0.0.1 and a valid port always `closedPort`, so nothing accepted reaches a real server.
        mutating func field(_ name: String) -> String {
            let wrong = random.chance(20)
            switch name {
            case "host":
                // Text is never a name to look up (DNS could stall the test), only 127.0.0.1 or refused forms.
                return wrong ? random.pick(["null", "true", "1e300", "127", "[\"127.0.0.1\"]", "{\"host\":\"127.0.0.1\"}"])
                    : string(random.pick(["127.0.0.1", "", "/tmp", "@abstract", "127.0.0.1,127.0.0.1", "  ", "/", "@"]))
            case "port":
                // Never missing, null or "" (those mean 5432, where a real server might listen), and
                // never a valid port but the closed one.
                return wrong ? random.pick(Self.invalidPorts) : random.pick(["\(closedPort)", "\"\(closedPort)\""])
            case "excludeTableData":
                return wrong ? value(depth: 3) : "[" + (0..<random.below(3)).map { _ in string(random.pick(["messages", "message_traces", "queues", "nope", ""])) }
                    .joined(separator: ",") + "]"
            case "jobs": return wrong ? value(depth: 2) : random.pick(["1", "2", "64", "65", "0"])
            case "ssl": return wrong ? value(depth: 2) : random.pick(["true", "false", "\"true\""])
            case "schema": return wrong ? value(depth: 2) : string(random.pick(["queen", "queen", "public", "nope", "", "queen; DROP SCHEMA queen"]))
            case "database", "user": return wrong ? value(depth: 3) : string(random.chance(70) ? "postgres" : random.pick(Self.strings))
            default: return wrong ? value(depth: 3) : string(random.pick(Self.strings))
            }
        }

        mutating func body() -> [UInt8] {
            switch random.below(20) {
            case 0:
                return Array(random.pick(["", " ", "NaN", "Infinity", "-Infinity", "nul", "{", "}", "[", "{\"host\":", "1e999",
                                          "\u{FEFF}{}", "{}{}", "{\"port\":NaN}", "{\"port\":0x10}", "{'host':'a'}"]).utf8)
            case 1:
                let depth = random.pick([17, 100, 10_000])
                return Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
            case 2:
                return (0..<random.below(64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }  // not even UTF-8
            case 3:
                return Array(value(depth: 5).utf8)
            case 4 where random.chance(5):
                return Array(("{\"password\":\"" + String(repeating: "p", count: 1 << 20) + "\"}").utf8)  // over the 1 MiB limit
            default:
                // The port is always present (missing means 5432).
                var names = ["port"] + ["host", "database", "user"].filter { _ in random.chance(92) }
                    + ["password", "ssl", "sslmode", "schema", "excludeTableData", "jobs"].filter { _ in random.chance(40) }
                if random.chance(20) { names.append(random.pick(Self.fields)) }
                let members = names.map { string($0) + ":" + field($0) }
                return Array(("{" + members.joined(separator: ",") + "}").utf8)
            }
        }
    }

    @Test func randomBodiesGet2xxOr4xxOnEveryPostRoute() async throws {
        let seed = ProcessInfo.processInfo.environment["PGFERRY_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_F3A7
        let databases = try await QueenDatabases.make("fuzz")
        let server = databases.server()
        let client = RouteClient(server: server)
        let closedPort = try TestServers.freePort()
        var writer = DocumentWriter(random: Generator(state: seed), closedPort: closedPort)
        let routes = ["test-connection", "start", "validate", "reset", "cancel"]
        var statuses: [Int: Int] = [:]
        for index in 0..<2000 {
            let route = routes[index % routes.count]
            let body = writer.body()
            let contentType: String?? = writer.random.chance(3) ? .some(writer.random.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])) : .none
            let reply = try await client.send(.post, "/api/v1/migration/" + route, bytes: body, contentType: contentType)
            statuses[Int(reply.status.code), default: 0] += 1
            let code = reply.status.code
            // The only 5xx allowed: a database that cannot be reached (the target's port is closed).
            let unreachable = code == 500 && (reply.error.hasPrefix("Failed to connect to"))
            #expect((200..<500).contains(code) || unreachable,
                    "seed \(seed), body #\(index) to \(route): HTTP \(code) \(reply.body.prefix(300)) for \(String(decoding: body.prefix(300), as: UTF8.self))")
            if code >= 400 { #expect(!reply.error.isEmpty, "seed \(seed), body #\(index): no error message: \(reply.body.prefix(200))") }
        }
        // Every run a fuzz body started aimed at the closed port only, and the server still answers.
        if let target = server.controller.lastRequest?.target {
            #expect(target["host"] == "127.0.0.1" && target["port"] == String(closedPort), "\(target.redactedDescription)")
        }
        server.controller.cancel()
        _ = await server.controller.waitUntilFinished()
        #expect(try await client.send(.get, "/health").status == .ok)
        // The generator reaches past the parser: some bodies get to the database checks.
        #expect(statuses[200, default: 0] > 0 && statuses[202, default: 0] > 0 && statuses[400, default: 0] > 100, "\(statuses)")
        #expect(statuses[413, default: 0] > 0 && statuses[415, default: 0] > 0 && statuses[500, default: 0] > 0, "\(statuses)")
        print("request fuzzing: seed \(seed), statuses \(statuses.sorted { $0.key < $1.key })")
    }
}
