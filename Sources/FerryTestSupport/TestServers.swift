import Foundation
import PGClient

/// The PostgreSQL servers tests talk to: two clusters on 127.0.0.1 ("source" and "target").
///
/// `.ci/run` and `scripts/test.sh` start them and name their ports in `PGFERRY_TEST_SOURCE_PORT`
/// and `PGFERRY_TEST_TARGET_PORT`; without those, the first test that asks starts two throw-away
/// clusters with `scripts/pg-cluster.sh` in a temporary folder and stops them at exit.
public enum TestServers {
    public struct Server: Sendable {
        public let port: Int
        public let bindir: String?

        /// Parameters for database `database` as the superuser `postgres`.
        public func configuration(database: String = "postgres", user: String = "postgres") -> ConnectionConfiguration {
            ConnectionConfiguration([
                .init("host", "127.0.0.1"), .init("port", String(port)), .init("dbname", database), .init("user", user),
            ])
        }
    }

    public static var source: Server { get async throws { try await servers.value.source } }
    public static var target: Server { get async throws { try await servers.value.target } }

    /// The repository root, found from this file's path.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let servers = Task<(source: Server, target: Server), any Error> {
        let environment = ProcessInfo.processInfo.environment
        if let source = environment["PGFERRY_TEST_SOURCE_PORT"].flatMap(Int.init),
           let target = environment["PGFERRY_TEST_TARGET_PORT"].flatMap(Int.init) {
            return (Server(port: source, bindir: environment["PGFERRY_TEST_BINDIR"]),
                    Server(port: target, bindir: environment["PGFERRY_TEST_BINDIR"]))
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pgferry-tests-\(getpid())")
        var started: [Server] = []
        for name in ["source", "target"] {
            let directory = root.appendingPathComponent(name).path
            // The source runs with wal_level = logical, as scripts/lib.sh starts it: follow mode streams from it.
            try run(repositoryRoot.appendingPathComponent("scripts/pg-cluster.sh").path, ["start", directory, "auto"],
                    environment: ["PGFERRY_CLUSTER_FAST": "1"].merging(name == "source" ? sourceClusterOptions : [:]) { $1 })
            startedClusters.withLock { $0.append(directory) }
            let portText = try String(contentsOfFile: directory + "/port", encoding: .utf8)
            guard let port = Int(portText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw TestSupportError("pg-cluster.sh wrote no port to \(directory)/port")
            }
            started.append(Server(port: port, bindir: nil))
        }
        atexit {
            let directories = startedClusters.withLock { $0 }
            for directory in directories {
                _ = try? TestServers.run(TestServers.repositoryRoot.appendingPathComponent("scripts/pg-cluster.sh").path,
                                         ["stop", directory])
            }
            if let first = directories.first {
                try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: first).deletingLastPathComponent().path)
            }
        }
        return (started[0], started[1])
    }

    private static let startedClusters = LockedBox<[String]>([])

    /// What a source cluster's server gets (scripts/lib.sh's `SOURCE_CLUSTER_OPTIONS`).
    public static let sourceClusterOptions = ["PGFERRY_CLUSTER_OPTIONS": "-c wal_level=logical"]

    /// Runs a program and waits; throws with its output when it fails.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let (status, text) = try execute(executable, arguments, environment: environment)
        guard status == 0 else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }

    /// Runs a program and waits; returns its exit status and its output (stdout and stderr).
    public static func execute(_ executable: String, _ arguments: [String],
                               environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let program = try RunningProgram(executable, arguments, environment: environment)
        let status = program.waitUntilExit()
        return (status, program.output)
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    public static func freePort() throws -> Int {
        let listener = try TCPListener()
        return listener.port
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A value behind a lock, for test-support globals.
public final class LockedBox<Value: Sendable>: @unchecked Sendable {  // safe: `value` only under `lock`
    private let lock = NSLock()
    private var value: Value
    public init(_ value: Value) { self.value = value }
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A socket listening on 127.0.0.1 that never accepts: connections complete the TCP handshake
/// and then hear nothing, which is how an unresponsive server looks to a client.
public final class TCPListener: @unchecked Sendable {  // safe: immutable after init
    public let port: Int
    let descriptor: Int32

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw TestSupportError("could not open a listening socket") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
