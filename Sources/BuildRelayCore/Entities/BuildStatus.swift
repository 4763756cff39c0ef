/// Where a build is in its life. `unknown` is the empty value: a provider status BuildRelay does not recognise
/// (keep polling, never assume terminal), and the `previousStatus` of a build's first event.
public enum BuildStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case unknown
    case accepted
    case running
    case succeeded
    case failed
    case cancelled

    /// No transition follows a terminal status.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .unknown, .accepted, .running: false
        }
    }
}
