/// What the user of a zero-downtime move waits through at cutover: from the cutover request
/// (writes stopped) to done, in the parts that took it, in order.
public struct CutoverWindow: Sendable, Codable, Equatable {
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
}
