import Foundation
import Synchronization

/// A program started in the background (`posix_spawn`), to signal and wait for with a time limit.
///
/// Foundation's `Process` was seen to hang in `waitUntilExit` here once the program had started
/// a server in the background; `waitpid` does not.
public final class RunningProgram: Sendable {
    public let pid: pid_t
    public let outputPath: String
    private let exited = Mutex<Int32?>(nil)

    /// Starts `executable`; its stdout and stderr go to a temporary file (`output`).
    /// - Parameters:
    ///   - environment: set on top of this process's variables that `inherits` keeps.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                inherits: (String) -> Bool = { _ in true }) throws {
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("pgferry-\(UUID().uuidString).out").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let variables = ProcessInfo.processInfo.environment.filter { inherits($0.key) }.merging(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw TestSupportError("could not start \(executable): error \(spawned)") }
        self.pid = pid
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    public func signal(_ number: Int32) { kill(pid, number) }

    /// What the program printed so far.
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// The exit status once the program has ended (128 + n for signal n), else nil.
    public var exitStatus: Int32? { reap(blocking: false) }

    /// Waits up to `timeout` for the program to end; its exit status, or nil if it still runs.
    public func wait(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        return exitStatus
    }

    /// Blocks until the program ends; its exit status.
    public func waitUntilExit() -> Int32 { reap(blocking: true) ?? 0 }

    /// Kills the program if it still runs and reaps it.
    public func stop() {
        guard exitStatus == nil else { return }
        kill(pid, SIGKILL)
        _ = reap(blocking: true)
    }

    private func reap(blocking: Bool) -> Int32? {
        exited.withLock { exited in
            if exited == nil {
                var status: Int32 = 0
                var reaped: pid_t
                repeat { reaped = waitpid(pid, &status, blocking ? 0 : WNOHANG) } while reaped == -1 && errno == EINTR
                if reaped == pid { exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            }
            return exited
        }
    }
}
