import Foundation
import JWTKit

/// Verifies Queen-style admin JWTs with jwt-kit: HS256 only, `exp` required, `exp`/`nbf`
/// honoured with a clock skew, claims typed strictly (`AdminClaims`).
struct AdminTokenVerifier: Sendable {
    let secret: String
    var clockSkew: TimeInterval = 30

    /// The token's roles, once its algorithm, signature, claims and times are checked.
    func roles(of token: String, now: Date = Date()) async throws(AdminTokenFailure) -> [String] {
        // jwt-kit takes the key's algorithm whatever the header says; the header must say HS256.
        let algorithm = try Self.algorithm(of: token)
        guard algorithm == "HS256" else { throw .unsupportedAlgorithm(algorithm) }
        let keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let claims: AdminClaims.Checked
        do {
            claims = try await keys.verify(token, as: AdminClaims.self).checked()
        } catch let failure as AdminTokenFailure {
            throw failure
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw .badSignature
        } catch {
            throw .malformed
        }
        do {
            try claims.expiration.verifyNotExpired(currentDate: now.addingTimeInterval(-clockSkew))
        } catch {
            throw .expired
        }
        if let notBefore = claims.notBefore {
            do { try notBefore.verifyNotBefore(currentDate: now.addingTimeInterval(clockSkew)) } catch { throw .notYetValid }
        }
        return claims.roles
    }

    /// The `alg` of a compact JWT's header, or `none` when it has none.
    static func algorithm(of token: String) throws(AdminTokenFailure) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = base64URLDecode(parts[0]),
              case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: header)
        else { throw .malformed }
        switch fields["alg"] {
        case nil: return "none"
        case .string(let alg)?: return alg
        case let other?: throw .wrongType(claim: "alg", expected: "a string", got: other.typeName)
        }
    }

    static func base64URLDecode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
