/// One configured queue (`queues.<name>`).
public struct QueueSettings: Sendable, Hashable {
    public var name: String
    public var provider: ProviderSettings
    /// `queues.<name>.pollInterval.accepted`, when set.
    public var pollIntervalAccepted: Duration?
    /// `queues.<name>.pollInterval.running`, when set.
    public var pollIntervalRunning: Duration?
    /// `queues.<name>.maxRequestsPerMinute`: the provider's request budget (used by the vendor providers).
    public var maxRequestsPerMinute: Int?
    /// `queues.<name>.requestTimeout`: how long one provider API request may take (the vendor providers; 30 s).
    public var requestTimeout: Duration?
    /// `queues.<name>.webhook`, when set: the queue is followed by its vendor's webhooks, polling as a safety net.
    public var webhook: WebhookSettings?

    public init(name: String, provider: ProviderSettings) {
        self.name = name
        self.provider = provider
    }
}
