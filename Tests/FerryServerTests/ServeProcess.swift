import FerryTestSupport
import Foundation
import Synchronization

/// `pgferry serve` as a child process (the built binary, as an operator runs it): its own
/// environment, its output in a file, stopped with a signal.
final class ServeProcess: @unchecked Sendable {  // safe: `exitStatus` is guarded by `state`
    static let binary = TestServers.repositoryRoot.appendingPathComponent(".build/debug/pgferry").path
    static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let pid: pid_t
    let port: Int
    let token: String
    let logPath: String
    private let state = Mutex<Int32?>(nil)

    var http: EndToEndTests.HTTP { EndToEndTests.HTTP(base: URL(string: "http://127.0.0.1:\(port)")!, token: token) }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts `serve` with `environment` on top of this process's, minus every `PG*` variable
    /// (each test names the ones it means), and waits until `/health` answers.
    init(arguments: [String], environment: [String: String]) async throws {
        port = try TestServers.freePort()
        token = "serve-" + UUID().uuidString
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("pgferry-serve-\(UUID().uuidString).log").path
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        variables["PGFERRY_ADMIN_TOKEN"] = token
        variables.merge(environment) { $1 }
        pid = try Self.spawn([Self.binary, "serve", "--listen", "127.0.0.1:\(port)"] + arguments,
                             environment: variables.map { "\($0.key)=\($0.value)" }, output: logPath)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if (try? await http.call("GET", "health", authorized: false).status) == 200 { return }
            if exitStatus != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        throw TestSupportError("pgferry serve did not come up: \(log)")
    }

    deinit { stop() }

    private static func spawn(_ argv: [String], environment: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else { throw TestSupportError("could not start \(argv[0]): error \(spawned)") }
        return pid
    }

    /// The exit status once the process has ended (128 + n for signal n), else nil.
    var exitStatus: Int32? {
        state.withLock { exited in
            if exited == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                }
            }
            return exited
        }
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    /// Waits up to `timeout` for the process to end; its exit status, or nil if it still runs.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        return exitStatus
    }

    /// Kills the process if it still runs and reaps it.
    func stop() {
        guard exitStatus == nil else { return }
        kill(pid, SIGKILL)
        state.withLock { exited in
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            exited = 137
        }
    }
}

/// A server that speaks just enough of the protocol to ask a client for its password in clear
/// text, as the issue's attacker did: it records what it is sent, then hangs up.
final class CleartextPasswordCatcher: @unchecked Sendable {  // safe: `socket` is set once; `received` is locked
    let port: Int
    private let socket: Int32
    private let received = Mutex<[String]>([])
    var passwords: [String] { received.withLock { $0 } }

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 8) == 0 else { throw TestSupportError("could not listen: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        socket = fd
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Closes the listener, which ends the accepting thread.
    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func serve() {
        while true {
            let client = accept(socket, nil, nil)
            guard client >= 0 else { return }  // the listener was closed
            defer { close(client) }
            // The startup packet: length (including itself), then its contents.
            guard let length = readInt32(client), length >= 8, read(client, count: Int(length) - 4) != nil else { continue }
            // AuthenticationCleartextPassword: 'R', length 8, code 3.
            var request: [UInt8] = [UInt8(ascii: "R"), 0, 0, 0, 8, 0, 0, 0, 3]
            _ = Glibc.write(client, &request, request.count)
            guard let type = read(client, count: 1), type == [UInt8(ascii: "p")], let size = readInt32(client), size >= 4,
                  let body = read(client, count: Int(size) - 4) else { continue }
            received.withLock { $0.append(String(decoding: body.prefix { $0 != 0 }, as: UTF8.self)) }
        }
    }

    private func readInt32(_ fd: Int32) -> Int32? {
        read(fd, count: 4).map { $0.reduce(Int32(0)) { $0 << 8 | Int32($1) } }
    }

    private func read(_ fd: Int32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, count - done) }
            guard n > 0 else { return nil }
            done += n
        }
        return bytes
    }
}
