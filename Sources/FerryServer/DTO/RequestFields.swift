import Ferry
import Foundation

/// A request the server refuses with 400; the message names the field and what is accepted.
public struct BadRequest: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The fields of a JSON request body, checked one by one.
struct RequestFields {
    private let object: [String: JSONValue]

    static let targetFieldsHelp = "a JSON object with host, port (default 5432), database, user, password, ssl (true = sslmode require) and optionally sslmode"

    /// Deeper bodies are refused before decoding: no request field nests, and the decoder recurses.
    static let maximumNesting = 16

    /// Parses a body that must be a JSON object.
    init(body: [UInt8]) throws(BadRequest) {
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw BadRequest("request body is required: \(Self.targetFieldsHelp)") }
        guard JSONNesting.depth(of: body) <= Self.maximumNesting else {
            throw BadRequest("request body nests JSON arrays/objects deeper than \(Self.maximumNesting) levels: expected \(Self.targetFieldsHelp)")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw BadRequest("request body is not valid JSON: expected \(Self.targetFieldsHelp)")
        }
        guard case .object(let object) = value else {
            throw BadRequest("request body must be a JSON object, got \(value.typeName): \(Self.targetFieldsHelp)")
        }
        self.object = object
    }

    init(object: [String: JSONValue]) { self.object = object }

    func has(_ field: String) -> Bool {
        switch object[field] {
        case nil, .null?: false
        default: true
        }
    }

    /// The target connection: `host`, `port`, `database`, `user`, `password`, `ssl`, `sslmode`,
    /// as libpq keyword/value pairs.
    func target() throws(BadRequest) -> ConnectionConfiguration {
        var missing: [String] = []
        var values: [String: String] = [:]
        for field in ["host", "database", "user"] {
            switch try optionalString(field) {
            case let value? where !value.trimmingCharacters(in: .whitespaces).isEmpty: values[field] = value
            default: missing.append(field)
            }
        }
        guard missing.isEmpty else {
            throw BadRequest("host, database, and user are required (missing: \(missing.joined(separator: ", ")))")
        }
        var parameters: [ConnectionConfiguration.Parameter] = [
            .init("host", values["host"]!), .init("port", String(try port())), .init("dbname", values["database"]!),
            .init("user", values["user"]!),
        ]
        if let password = try optionalString("password"), !password.isEmpty {
            parameters.append(.init("password", password))
        }
        parameters.append(.init("sslmode", try sslMode()))
        return ConnectionConfiguration(parameters)
    }

    func port() throws(BadRequest) -> Int {
        let accepted = "port must be a number from 1 to 65535"
        switch object["port"] {
        case nil, .null?:
            return 5432
        case .number(let number)?:
            guard number == number.rounded(), number >= 1, number <= 65535 else { throw BadRequest("\(accepted), got \(number)") }
            return Int(number)
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return 5432 }
            guard trimmed.allSatisfy(\.isASCII), let number = Int(trimmed), (1...65535).contains(number) else {
                throw BadRequest("\(accepted), got \(text.debugDescription)")
            }
            return number
        case let other?:
            throw BadRequest("\(accepted), got \(other.typeName)")
        }
    }

    static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// `sslmode` when given, else Queen's rule: `ssl: true` is `require`, false is `disable`.
    func sslMode() throws(BadRequest) -> String {
        if let mode = try optionalString("sslmode"), !mode.isEmpty {
            guard Self.sslModes.contains(mode) else {
                throw BadRequest("sslmode must be one of \(Self.sslModes.joined(separator: ", ")), got \(mode.debugDescription)")
            }
            return mode
        }
        switch object["ssl"] {
        case nil, .null?: return "disable"
        case .bool(let flag)?: return flag ? "require" : "disable"
        case .string("true")?: return "require"
        case .string("false")?, .string("")?: return "disable"
        case let other?: throw BadRequest("ssl must be true or false, got \(other.typeName)")
        }
    }

    /// `schema`, default `queen` as in Queen.
    func schema() throws(BadRequest) -> String {
        guard let schema = try optionalString("schema")?.trimmingCharacters(in: .whitespaces), !schema.isEmpty else { return QueenContract.defaultSchema }
        return schema
    }

    /// `allSchemas` (on start, plan, validate and compare): every schema of the source database instead of `schema`;
    /// default false.
    func allSchemas() throws(BadRequest) -> Bool {
        let all = try optionalBool("allSchemas") ?? false
        if all && has("schema") { throw BadRequest("schema and allSchemas exclude each other: give one") }
        return all
    }

    /// `excludeTableData`: an array of table names (a comma-separated string is accepted too).
    func excludeTableData() throws(BadRequest) -> [String] {
        let accepted = "excludeTableData must be an array of table names, e.g. [\"messages\", \"message_traces\"]"
        switch object["excludeTableData"] {
        case nil, .null?:
            return []
        case .string(let text)?:
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .array(let values)?:
            var names: [String] = []
            for value in values {
                guard case .string(let name) = value else { throw BadRequest("\(accepted); got an entry that is \(value.typeName)") }
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty { names.append(trimmed) }
            }
            return names
        case let other?:
            throw BadRequest("\(accepted), got \(other.typeName)")
        }
    }

    /// `jobs` (pgferry's own): tables copied at once, 1 to 64.
    func jobs() throws(BadRequest) -> Int? {
        switch object["jobs"] {
        case nil, .null?: return nil
        case .number(let number)? where number == number.rounded() && (1...64).contains(number): return Int(number)
        case .number(let number)?: throw BadRequest("jobs must be a whole number from 1 to 64, got \(number)")
        case let other?: throw BadRequest("jobs must be a whole number from 1 to 64, got \(other.typeName)")
        }
    }

    /// `compare` (pgferry's own, on start): compare the schemas at the end of the run; default true.
    func compareAfterwards() throws(BadRequest) -> Bool { try optionalBool("compare") ?? true }

    /// `owners` (pgferry's own, on start, plan and compare): recreate (compare) owners and ACLs
    /// too, as `--owners`; default false.
    func includeOwnership() throws(BadRequest) -> Bool { try optionalBool("owners") ?? false }

    /// `largeObjects` (pgferry's own, on start): copy the database's large objects too; default false.
    func largeObjects() throws(BadRequest) -> Bool { try optionalBool("largeObjects") ?? false }

    /// `follow` (pgferry's own, on start): copy from a replication slot's snapshot and apply the
    /// source's changes until `POST cutover`; default false.
    func follow() throws(BadRequest) -> Bool { try optionalBool("follow") ?? false }

    /// `followUntil` (on start, with `follow`): "now" or an LSN `X/Y` where the run cuts over by itself.
    func followUntil() throws(BadRequest) -> FollowEnd? {
        guard let text = try optionalString("followUntil") else { return nil }
        guard let end = FollowEnd(text) else {
            throw BadRequest("followUntil must be \"now\" or an LSN such as \"0/1A2B3C4\", got \(text.debugDescription)")
        }
        return end
    }

    /// `checksums` (on start, with `follow`): compare an md5 over every table's rows at cutover
    /// too, not only row counts; default false.
    func cutoverChecksums() throws(BadRequest) -> Bool { try optionalBool("checksums") ?? false }

    /// `refreshMatviews` (on start, with `follow`): refresh the materialized views at cutover; default true.
    func refreshMaterializedViews() throws(BadRequest) -> Bool { try optionalBool("refreshMatviews") ?? true }

    /// `replicaIdentityFull` (on start, with `follow`): give the source tables without a replica
    /// identity REPLICA IDENTITY FULL for the run (put back at cutover); default false.
    func replicaIdentityFull() throws(BadRequest) -> Bool { try optionalBool("replicaIdentityFull") ?? false }

    /// `roles`, `rolePasswords`, `createPrerequisites` (on start): create on the target the roles
    /// the schema names, with their password hashes, and the extensions it needs; default false.
    func prerequisites() throws(BadRequest) -> (roles: Bool, rolePasswords: Bool, createPrerequisites: Bool) {
        let choice = (roles: try optionalBool("roles") ?? false, rolePasswords: try optionalBool("rolePasswords") ?? false,
                      createPrerequisites: try optionalBool("createPrerequisites") ?? false)
        guard !choice.rolePasswords || choice.roles || choice.createPrerequisites else {
            throw BadRequest("rolePasswords needs \"roles\": true or \"createPrerequisites\": true")
        }
        return choice
    }

    /// A yes/no field: a JSON boolean or nothing.
    private func optionalBool(_ field: String) throws(BadRequest) -> Bool? {
        switch object[field] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw BadRequest("\(field) must be true or false, got \(other.typeName)")
        }
    }

    /// `statistics`: "copy", "analyze" or "none"; absent or null leaves the choice to the target's version.
    func statistics() throws(BadRequest) -> StatisticsMode? {
        let accepted = StatisticsMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        switch object["statistics"] {
        case nil, .null?: return nil
        case .string(let text)?:
            guard let mode = StatisticsMode(rawValue: text) else { throw BadRequest("statistics must be one of \(accepted), got \(text.debugDescription)") }
            return mode
        case let other?: throw BadRequest("statistics must be one of \(accepted), got \(other.typeName)")
        }
    }

    /// A text field: a JSON string or nothing; numbers and everything else are refused (only
    /// `port` takes a number), so no value is ever converted.
    private func optionalString(_ field: String) throws(BadRequest) -> String? {
        switch object[field] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let other?: throw BadRequest("\(field) must be a string, got \(other.typeName)")
        }
    }
}

/// How deeply a JSON text nests arrays and objects, counted outside strings without decoding.
enum JSONNesting {
    static func depth(of bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
