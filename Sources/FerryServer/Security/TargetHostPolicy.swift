import Ferry
import Foundation

/// Which hosts a request may name as its target (`--allow-target-hosts`).
///
/// By default any single host name or IP address over TCP. Refused unless allowed: a path (`/…`,
/// a Unix socket folder, where peer authentication would log in as the server's OS user), an
/// abstract socket (`@…`), and comma lists (libpq tries each host in turn). An operator list
/// restricts targets to its entries: names (matched as written, never resolved), IP addresses,
/// networks (`10.0.0.0/8`, `fd00::/8`), socket folders (`/var/run/postgresql`), or `any` for
/// everything including sockets and lists.
public struct TargetHostPolicy: Sendable, Equatable {
    enum Rule: Sendable, Equatable {
        case any
        case name(String)
        case network(IPNetwork)
        case socketFolder(String)
    }

    /// nil: the default (any one TCP host).
    let rules: [Rule]?

    public init() { rules = nil }

    /// Parses `--allow-target-hosts`: comma-separated names, addresses, networks, socket folders, or `any`.
    public init(parsing list: String) throws(BadRequest) {
        var rules: [Rule] = []
        for entry in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if entry.lowercased() == "any" {
                rules.append(.any)
            } else if entry.hasPrefix("/") {
                rules.append(.socketFolder(entry))
            } else if let network = IPNetwork(entry) {
                rules.append(.network(network))
            } else if entry.contains("/") || entry.hasPrefix("@") {
                throw BadRequest("--allow-target-hosts: \(entry.debugDescription) is not a host name, IP address, network "
                    + "(e.g. 10.0.0.0/8), socket folder (an absolute path) or any")
            } else {
                rules.append(.name(entry.lowercased()))
            }
        }
        guard !rules.isEmpty else {
            throw BadRequest("--allow-target-hosts needs at least one host name, IP address, network, socket folder, or any")
        }
        self.rules = rules
    }

    /// Refuses a target host this policy does not allow, naming what is accepted.
    public func check(_ host: String) throws(BadRequest) {
        let trimmed = host.trimmingCharacters(in: .whitespaces)
        guard let rules else {
            if trimmed.isEmpty { throw BadRequest("host must not be empty") }
            if trimmed.hasPrefix("/") || trimmed.hasPrefix("@") {
                throw BadRequest("host \(host.debugDescription) is a Unix socket, which targets may not use: give a host "
                    + "name or IP address (the operator can allow socket folders with --allow-target-hosts)")
            }
            if trimmed.contains(",") {
                throw BadRequest("host \(host.debugDescription) is a list of hosts: give one host name or IP address")
            }
            return
        }
        if rules.contains(.any) { return }
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard rules.contains(where: { Self.rule($0, allows: part) }) else {
                throw BadRequest("host \(part.debugDescription) is not an allowed target; allowed: \(description)")
            }
        }
    }

    private static func rule(_ rule: Rule, allows host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        switch rule {
        case .any: return true
        case .name(let name): return bare.lowercased() == name
        case .network(let network): return IPNetwork.Address(bare).map(network.contains) ?? false
        case .socketFolder(let folder): return bare == folder || bare == folder + "/"
        }
    }

    public var description: String {
        guard let rules else { return "any one host name or IP address" }
        return rules.map {
            switch $0 {
            case .any: "any"
            case .name(let name): name
            case .network(let network): network.description
            case .socketFolder(let folder): folder
            }
        }.joined(separator: ", ")
    }
}

/// An IPv4 or IPv6 network (`10.0.0.0/8`), or one address (a /32 or /128).
struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    struct Address: Sendable, Equatable {
        var bytes: [UInt8]

        init?(_ text: String) {
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, text, &v4) == 1 {
                bytes = withUnsafeBytes(of: &v4) { Array($0) }
            } else if inet_pton(AF_INET6, text, &v6) == 1 {
                bytes = withUnsafeBytes(of: &v6) { Array($0) }
            } else {
                return nil
            }
        }
    }

    var address: Address
    var prefixLength: Int
    let text: String

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = Address(String(parts[0])) else { return nil }
        let maximum = address.bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...maximum).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = maximum
        }
        self.address = address
        self.text = text
    }

    func contains(_ other: Address) -> Bool {
        guard other.bytes.count == address.bytes.count else { return false }
        for bit in 0..<prefixLength {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if address.bytes[bit / 8] & mask != other.bytes[bit / 8] & mask { return false }
        }
        return true
    }

    var description: String { text }
}
