import Foundation

/// Verifies Queen-style admin JWTs: HS256 only, signature checked in constant time, `exp`/`nbf`
/// honoured with a clock skew, role from the `role` claim or the `roles` array.
struct HS256Verifier: Sendable {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed, unsupportedAlgorithm(String), badSignature, expired, notYetValid

        var description: String {
            switch self {
            case .malformed: "Invalid token: not a JWT"
            case .unsupportedAlgorithm(let alg): "Invalid token: algorithm \(alg.debugDescription) is not accepted (HS256 only)"
            case .badSignature: "Invalid token: bad signature"
            case .expired: "Invalid token: expired"
            case .notYetValid: "Invalid token: not yet valid"
            }
        }
    }

    let secret: [UInt8]
    var clockSkew: Double = 30

    /// The token's roles, once its signature and times are checked.
    func roles(of token: String, now: Date = Date()) throws(Failure) -> [String] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = Self.base64URLDecode(parts[0]),
              let payloadData = Self.base64URLDecode(parts[1]),
              let signature = Self.base64URLDecode(parts[2]),
              let header = try? JSONSerialization.jsonObject(with: Data(headerData)) as? [String: Any],
              let payload = try? JSONSerialization.jsonObject(with: Data(payloadData)) as? [String: Any]
        else { throw .malformed }
        guard let alg = header["alg"] as? String, alg == "HS256" else {
            throw .unsupportedAlgorithm((header["alg"] as? String) ?? "none")
        }
        let signed = Array("\(parts[0]).\(parts[1])".utf8)
        guard constantTimeEqual(SHA256.hmac(key: secret, message: signed), signature) else { throw .badSignature }
        let seconds = now.timeIntervalSince1970
        if let exp = (payload["exp"] as? NSNumber)?.doubleValue, seconds > exp + clockSkew { throw .expired }
        if let nbf = (payload["nbf"] as? NSNumber)?.doubleValue, seconds + clockSkew < nbf { throw .notYetValid }
        var roles: [String] = []
        if let role = payload["role"] as? String { roles.append(role) }
        if let list = payload["roles"] as? [Any] { roles += list.compactMap { $0 as? String } }
        return roles
    }

    /// Signs a payload (tests and the README's example use this to mint tokens).
    static func sign(payload: [String: Any], secret: String) -> String {
        let header = base64URLEncode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let body = base64URLEncode(Array((try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data()))
        let signature = SHA256.hmac(key: Array(secret.utf8), message: Array("\(header).\(body)".utf8))
        return "\(header).\(body).\(base64URLEncode(signature))"
    }

    static func base64URLDecode(_ text: some StringProtocol) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }

    static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
