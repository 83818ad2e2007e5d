import Crypto
import Foundation

/// Compares a presented credential with the static admin token in constant time: both go through
/// HMAC-SHA256 under a one-off random key and swift-crypto compares the codes in constant time,
/// so neither where they differ nor the token's length shows in the timing.
enum StaticToken {
    static func matches(_ credential: String, _ token: String) -> Bool {
        let key = SymmetricKey(size: .bits256)
        let expected = HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key)
        return HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: Data(credential.utf8), using: key)
    }
}
