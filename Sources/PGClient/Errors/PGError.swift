import Foundation

/// An error from libpq or from the server.
///
/// `description` carries the server's message, detail and hint, never connection secrets:
/// every message is scrubbed of the connection's password before it is stored.
public struct PGError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String { case connection, server, protocolViolation, closed, invalidConfiguration, stalled, cancelled }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The connection could not be opened or was lost.
        public static let connection = Code(.connection)
        /// The server answered with an error (see `sqlState`).
        public static let server = Code(.server)
        /// libpq or the server did something the client did not expect.
        public static let protocolViolation = Code(.protocolViolation)
        /// The connection was already closed.
        public static let closed = Code(.closed)
        /// The connection parameters are not acceptable.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// No byte moved on the connection for longer than the stall limit.
        public static let stalled = Code(.stalled)
        /// The statement was cancelled and the server did not end it in time; the connection is gone.
        public static let cancelled = Code(.cancelled)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The five-character SQLSTATE, for server errors.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// In a failed `PGConnection.pipeline`, which of its statements the server refused (0-based).
    public var statementIndex: Int?

    public init(code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
                redacting secrets: [String] = []) {
        self.code = code
        self.sqlState = sqlState
        self.message = Self.redact(message, secrets)
        self.detail = detail.map { Self.redact($0, secrets) }
        self.hint = hint.map { Self.redact($0, secrets) }
    }

    /// True for `query_canceled` (57014): a cancel request interrupted the statement.
    public var isCancellation: Bool { sqlState == "57014" }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail, !detail.isEmpty { text += "; detail: \(detail)" }
        if let hint, !hint.isEmpty { text += "; hint: \(hint)" }
        return text
    }

    static func redact(_ text: String, _ secrets: [String]) -> String {
        // libpq's messages span lines ("…\n\tThis probably means…"): keep errors on one line.
        var text = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ").trimmingTrailingWhitespace()
        for secret in secrets where !secret.isEmpty {
            text = text.replacingAll(secret, with: "********")
        }
        return text
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
