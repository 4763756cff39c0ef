/// A ``KafkaConsumer``'s settings.
///
/// Defaults: offsets are stored only when the application says so (`enable.auto.offset.store=false`) and the
/// stored ones are committed periodically and on close (`enable.auto.commit=true`), so offsets never pass a
/// record whose processing is not durable; a new group starts at the earliest offset.
///
/// `queued.min.messages` is raised from librdkafka's 100,000 to 1,000,000. librdkafka 2.0.2 measures it against the
/// whole consumer queue of a group consumer, not per partition; past it, every partition stops fetching and resumes
/// only about 500 ms later. A consumer that drains faster than 200,000 records/s then sits idle with an empty
/// queue for most of that time (measured: 215k instead of 550k records/s). Memory stays bounded by
/// `queued.max.messages.kbytes` (64 MiB by default), which now decides instead.
public struct KafkaConsumerConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    /// The consumer group. `nil` makes a consumer that only reads partitions given to ``KafkaConsumer/assign(_:)``
    /// and never commits.
    public var groupID: String?
    /// Whether records come with their headers (the default). Turn it off where no header is used: librdkafka 2.0.2
    /// parses a record's headers on request and allocates to do it even for a record without any (measured: about a
    /// fifth of a groupless consumer's CPU per 200-byte record), and records then arrive with `headers` empty.
    public var readsHeaders = true

    public init(client: KafkaClientConfiguration, groupID: String?) {
        self.client = client
        self.groupID = groupID
    }

    public init(bootstrapServers: String, groupID: String?, properties: [String: String] = [:]) {
        self.init(client: KafkaClientConfiguration(bootstrapServers: bootstrapServers, properties: properties), groupID: groupID)
    }

    func librdkafkaProperties() -> [(key: String, value: String, isSecret: Bool)] {
        var properties = client.librdkafkaProperties(for: .consumer, defaults: [
            "client.id": "buildrelay",
            "enable.auto.offset.store": "false",
            "enable.auto.commit": groupID == nil ? "false" : "true",
            "auto.offset.reset": "earliest",
            "queued.min.messages": "1000000",
        ])
        // librdkafka needs a group id even to assign; a reader without a group gets a private one it never joins.
        let group = groupID ?? "buildrelay-reader-\(UInt64.random(in: 0...UInt64.max))"
        properties.insert((key: "group.id", value: group, isSecret: false), at: 0)
        return properties
    }
}
