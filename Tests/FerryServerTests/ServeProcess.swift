import FerryTestSupport
import Foundation
import Synchronization

/// `pgferry serve` as a child process (the built binary, as an operator runs it): its own
/// environment, its output in a file, stopped with a signal.
final class ServeProcess: Sendable {
    static let binary = TestServers.repositoryRoot.appendingPathComponent(".build/debug/pgferry").path
    static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let port: Int
    let token: String
    private let program: RunningProgram

    var pid: pid_t { program.pid }
    /// One client (and connection pool) for the process's life.
    let http: EndToEndTests.HTTP
    var log: String { program.output }
    var exitStatus: Int32? { program.exitStatus }

    /// Starts `serve` with `environment` on top of this process's, minus every `PG*` variable
    /// (each test names the ones it means), and waits until `/health` answers.
    init(arguments: [String], environment: [String: String]) async throws {
        port = try TestServers.freePort()
        token = "serve-" + UUID().uuidString
        http = EndToEndTests.HTTP(base: URL(string: "http://127.0.0.1:\(port)")!, token: token)
        program = try RunningProgram(Self.binary, ["serve", "--listen", "127.0.0.1:\(port)"] + arguments,
                                     environment: ["PGFERRY_ADMIN_TOKEN": token].merging(environment) { $1 },
                                     inherits: { !$0.hasPrefix("PG") })
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if (try? await http.call("GET", "health", authorized: false).status) == 200 { return }
            if program.exitStatus != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        program.stop()
        throw TestSupportError("pgferry serve did not come up: \(log)")
    }

    func send(_ signal: Int32) { program.signal(signal) }

    /// Waits up to `timeout` for the process to end; its exit status, or nil if it still runs.
    func waitForExit(timeout: Duration) async throws -> Int32? { try await program.wait(timeout: timeout) }

    /// Kills the process if it still runs and reaps it.
    func stop() { program.stop() }
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
