import Foundation
import JWTKit

/// The claims of an admin JWT (Queen's contract: HS256, role in `role` or `roles`), read as plain
/// JSON and then checked strictly, so that a wrong token gets a message naming the claim.
struct AdminClaims: JWTPayload {
    let claims: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        claims = try [String: JSONValue](from: decoder)
    }

    init(_ claims: [String: JSONValue]) {
        self.claims = claims
    }

    func encode(to encoder: any Encoder) throws {
        try claims.encode(to: encoder)
    }

    /// jwt-kit calls this once the signature is good. Times are checked by `AdminTokenVerifier`,
    /// which has the clock; here only presence and types.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        _ = try checked()
    }

    /// The typed claims: `exp` required, `exp`/`nbf`/`iat` numbers, `role` a string, `roles`
    /// an array of strings.
    func checked() throws(AdminTokenFailure) -> Checked {
        guard let expiry = try time("exp") else { throw .missingExpiry }
        return Checked(expiration: ExpirationClaim(value: expiry), notBefore: try time("nbf").map(NotBeforeClaim.init(value:)),
                       issuedAt: try time("iat").map(IssuedAtClaim.init(value:)), roles: try roles())
    }

    struct Checked {
        var expiration: ExpirationClaim
        var notBefore: NotBeforeClaim?
        var issuedAt: IssuedAtClaim?
        var roles: [String]
    }

    private func time(_ claim: String) throws(AdminTokenFailure) -> Date? {
        switch claims[claim] {
        case nil: return nil
        case .number(let seconds)?: return Date(timeIntervalSince1970: seconds)
        case let other?: throw .wrongType(claim: claim, expected: "a number (seconds since 1970)", got: other.typeName)
        }
    }

    private func roles() throws(AdminTokenFailure) -> [String] {
        var roles: [String] = []
        switch claims["role"] {
        case nil: break
        case .string(let role)?: roles.append(role)
        case let other?: throw .wrongType(claim: "role", expected: "a string", got: other.typeName)
        }
        switch claims["roles"] {
        case nil: break
        case .array(let list)?:
            for entry in list {
                guard case .string(let role) = entry else {
                    throw .wrongType(claim: "roles", expected: "an array of strings", got: "an array holding \(entry.typeName)")
                }
                roles.append(role)
            }
        case let other?: throw .wrongType(claim: "roles", expected: "an array of strings", got: other.typeName)
        }
        return roles
    }
}

/// Why a bearer credential that looks like a JWT was refused (always a 401).
enum AdminTokenFailure: Error, Equatable, CustomStringConvertible {
    case malformed
    case unsupportedAlgorithm(String)
    case badSignature
    case missingExpiry
    case wrongType(claim: String, expected: String, got: String)
    case expired
    case notYetValid

    var description: String {
        switch self {
        case .malformed: "Invalid token: not a JWT"
        case .unsupportedAlgorithm(let alg): "Invalid token: algorithm \(alg.debugDescription) is not accepted (HS256 only)"
        case .badSignature: "Invalid token: bad signature"
        case .missingExpiry: "Invalid token: the exp claim is required (the expiry time, in seconds since 1970)"
        case .wrongType(let claim, let expected, let got): "Invalid token: claim \(claim) must be \(expected), got \(got)"
        case .expired: "Invalid token: expired"
        case .notYetValid: "Invalid token: not yet valid"
        }
    }
}
