import BuildRelayProviders

/// What the receiver needs to take a queue's deliveries: its vendor's format and its secret.
public struct QueueWebhook: Sendable {
    public var format: any WebhookFormat
    public var secret: Secret

    public init(format: any WebhookFormat, secret: Secret) {
        self.format = format
        self.secret = secret
    }
}
