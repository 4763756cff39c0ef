import Hummingbird

/// How the receiver answered a delivery (`buildrelay_webhooks_total{queue,outcome}`), as the contract says.
enum WebhookOutcome: String, Sendable, CaseIterable {
    /// A `refresh` was produced for the build's owner.
    case refreshed
    /// Authentic, but nothing to do: a ping, another event, a build BuildRelay did not start.
    case ignored
    case unreadable
    case unauthorized
    /// No such queue, or the queue has no webhook.
    case unknownQueue = "unknown_queue"
    case tooLarge = "too_large"
    /// The refresh could not be produced (the broker did not acknowledge it): the vendor may deliver again.
    case unavailable

    var status: HTTPResponse.Status {
        switch self {
        case .refreshed: .accepted
        case .ignored: .ok
        case .unreadable: .badRequest
        case .unauthorized: .unauthorized
        case .unknownQueue: .notFound
        case .tooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        }
    }
}
