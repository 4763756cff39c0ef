import BuildRelayProviders

/// A queue's webhook (`queues.<name>.webhook`): the secret deliveries must prove, and where it is read from.
public struct WebhookSettings: Sendable, Hashable {
    public var secret: Secret
    public var source: SecretSource

    public init(secret: Secret, source: SecretSource) {
        self.secret = secret
        self.source = source
    }

    /// A queue followed by webhooks polls as a safety net: this often, unless the queue sets its own intervals.
    public static let safetyNetPollInterval: Duration = .seconds(60)
}
