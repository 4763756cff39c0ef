import Foundation

/// How a vendor client authenticates, and where the user configured it (for error messages that say what to fix).
public enum HTTPCredentials: Sendable, Hashable {
    /// `Authorization: Bearer <token>` (Buildkite, GitHub).
    case bearer(Secret)
    /// `Authorization: Basic <user:token>` (Jenkins).
    case basic(user: Secret, token: Secret)

    var authorization: String {
        switch self {
        case .bearer(let token):
            "Bearer \(token.value)"
        case .basic(let user, let token):
            "Basic \(Data("\(user.value):\(token.value)".utf8).base64EncodedString())"
        }
    }

    /// Replaces every credential (and its encoded form) in `text`: error messages quote vendor answers, and a
    /// server may echo what it was sent.
    func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty {
            result = result.replacing(secret, with: "[redacted]")
        }
        return result
    }

    private var secrets: [String] {
        switch self {
        case .bearer(let token):
            [token.value]
        case .basic(let user, let token):
            [Data("\(user.value):\(token.value)".utf8).base64EncodedString(), token.value]
        }
    }
}
