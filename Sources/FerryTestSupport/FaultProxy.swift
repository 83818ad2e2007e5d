import Foundation

/// A TCP proxy on 127.0.0.1 in front of a test server that can slow traffic down and freeze it:
/// what a slow or dropped network looks like to both ends, without iptables or root.
///
/// Frozen, the proxy stops reading and writing on every connection, new ones included (a cancel
/// request sent through it is lost too): the kernel buffers fill and each side waits, as when
/// packets stop arriving. `freeze(whenClientSends:)` freezes just before a byte pattern would
/// reach the server, so a test can stall a run at a chosen statement.
public final class FaultProxy: @unchecked Sendable {  // safe: mutable state only under `condition`
    public let port: Int
    private let upstreamPort: Int
    private let listening: TCPListener
    private var listener: Int32 { listening.descriptor }
    private let bytesPerSecond: Int?
    private let condition = NSCondition()
    private var frozen = false
    private var trigger: [UInt8]?
    private var sockets: Set<Int32> = []
    private var closed = false

    /// - Parameter bytesPerSecond: per connection and direction; nil forwards at full speed.
    public init(upstreamPort: Int, bytesPerSecond: Int? = nil) throws {
        listening = try TCPListener()
        port = listening.port
        self.upstreamPort = upstreamPort
        self.bytesPerSecond = bytesPerSecond
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "fault-proxy-accept"
        thread.start()
    }

    deinit { close() }

    /// Stops all traffic now.
    public func freeze() { update { $0.frozen = true } }

    /// Stops all traffic as soon as the client side sends `pattern` (before it is forwarded).
    public func freeze(whenClientSends pattern: String) { update { $0.trigger = Array(pattern.utf8) } }

    /// Lets traffic flow again (and closes what either end closed meanwhile).
    public func thaw() { update { $0.frozen = false } }

    public var isFrozen: Bool { update { $0.frozen } }

    /// Waits until the proxy is frozen; false after `timeout`.
    public func waitUntilFrozen(timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isFrozen {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Closes the listener and every connection.
    public func close() {
        let open: Set<Int32> = update { state in
            if state.closed { return [] }
            state.closed = true
            return state.sockets
        }
        for socket in open { shutdown(socket, Int32(SHUT_RDWR)) }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    @discardableResult
    private func update<T>(_ body: (FaultProxy) -> T) -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return body(self)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            guard let upstream = Self.connectUpstream(port: upstreamPort, smallBuffers: bytesPerSecond != nil) else {
                Foundation.close(client)
                continue
            }
            // Throttled, the kernel's buffers must stay small too, or seconds of data (and an
            // error message behind it) would wait in them.
            if bytesPerSecond != nil { Self.shrinkBuffers(client) }
            let accepted = update { state -> Bool in
                guard !state.closed else { return false }
                state.sockets.formUnion([client, upstream])
                return true
            }
            guard accepted else {
                Foundation.close(client)
                Foundation.close(upstream)
                continue
            }
            let pair = Pair()
            for (from, to, inspects) in [(client, upstream, true), (upstream, client, false)] {
                let thread = Thread { [self] in
                    pump(from: from, to: to, inspects: inspects)
                    if pair.finish() { release(client, upstream) }
                }
                thread.name = "fault-proxy-pump"
                thread.start()
            }
        }
    }

    /// The two pumps of one connection; the second to end closes both sockets.
    private final class Pair: @unchecked Sendable {  // safe: `ended` only under `lock`
        private let lock = NSLock()
        private var ended = 0
        func finish() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            ended += 1
            return ended == 2
        }
    }

    private func release(_ sockets: Int32...) {
        update { state in for socket in sockets { state.sockets.remove(socket) } }
        for socket in sockets { Foundation.close(socket) }
    }

    private func pump(from: Int32, to: Int32, inspects: Bool) {
        let slice = 65536
        var buffer = [UInt8](repeating: 0, count: slice)
        var tail: [UInt8] = []  // the last bytes seen, for a pattern split across reads
        while true {
            let count = read(from, &buffer, slice)
            guard count > 0 else { break }
            var data = Array(buffer[0..<count])
            if inspects {
                condition.lock()
                if let trigger, !trigger.isEmpty {
                    let window = tail + data
                    if Self.contains(window, trigger) {
                        frozen = true
                        self.trigger = nil
                        condition.broadcast()
                    }
                    tail = Array(window.suffix(trigger.count - 1))
                }
                condition.unlock()
            }
            condition.lock()
            while frozen && !closed { condition.wait() }
            let isClosed = closed
            condition.unlock()
            if isClosed { break }
            while !data.isEmpty {
                let written = send(to, data, data.count, Int32(MSG_NOSIGNAL))
                guard written > 0 else {
                    shutdown(from, Int32(SHUT_RDWR))
                    return
                }
                data.removeFirst(written)
            }
            if let bytesPerSecond { usleep(UInt32(count * 1_000_000 / bytesPerSecond)) }
        }
        shutdown(to, Int32(SHUT_WR))
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    private static func shrinkBuffers(_ descriptor: Int32) {
        var size: Int32 = 32 * 1024
        for option in [SO_SNDBUF, SO_RCVBUF] {
            setsockopt(descriptor, SOL_SOCKET, option, &size, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    private static func connectUpstream(port: Int, smallBuffers: Bool) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if smallBuffers { shrinkBuffers(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Foundation.close(descriptor)
            return nil
        }
        return descriptor
    }
}
