import Foundation

/// What the user of a zero-downtime move waits through at cutover: from the cutover request
/// (writes stopped) to done, in the parts that took it, in order.
public struct CutoverWindow: Sendable, Codable, Equatable, CustomStringConvertible {
    public struct Part: Sendable, Codable, Equatable {
        public var name: String
        public var seconds: Double

        public init(name: String, seconds: Double) {
            self.name = name
            self.seconds = seconds
        }
    }

    public var parts: [Part]

    public init(parts: [Part] = []) { self.parts = parts }

    public var seconds: Double { parts.reduce(0) { $0 + $1.seconds } }

    /// `0.120s (changes applied 0.050s, …)`: parts take milliseconds.
    public var description: String {
        let time = { (value: Double) in String(format: "%.3fs", value) }
        return "\(time(seconds)) (" + parts.map { "\($0.name) \(time($0.seconds))" }.joined(separator: ", ") + ")"
    }
}
