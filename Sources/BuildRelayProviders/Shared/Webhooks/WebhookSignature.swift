import Crypto
import Foundation

/// The checks webhook formats share: HMAC-SHA256 signatures in hex and constant-time comparison.
enum WebhookSignature {
    /// Whether `hex` is the HMAC-SHA256 of `message` under `secret`, compared in constant time.
    static func isValid(hex: Substring, of message: [UInt8], secret: Secret) -> Bool {
        guard let signature = bytes(hex: hex) else { return false }
        let key = SymmetricKey(data: Array(secret.value.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: message, using: key)
    }

    /// Whether `a` and `b` are equal, in time that depends only on their lengths.
    static func constantTimeEquals(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let (left, right) = (Array(a.utf8), Array(b.utf8))
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    private static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.utf8.count % 2 == 0, !hex.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for character in hex.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let pending = high {
                bytes.append(pending << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }
}
