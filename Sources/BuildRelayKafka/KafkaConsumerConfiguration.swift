/// A ``KafkaConsumer``'s settings.
///
/// Defaults: offsets are stored only when the application says so (`enable.auto.offset.store=false`) and the
/// stored ones are committed periodically and on close (`enable.auto.commit=true`), so offsets never pass a
/// record whose processing is not durable; a new group starts at the earliest offset.
public struct KafkaConsumerConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    /// The consumer group. `nil` makes a consumer that only reads partitions given to ``KafkaConsumer/assign(_:)``
    /// and never commits.
    public var groupID: String?

    public init(client: KafkaClientConfiguration, groupID: String?) {
        self.client = client
        self.groupID = groupID
    }

    public init(bootstrapServers: String, groupID: String?, properties: [String: String] = [:]) {
        self.init(client: KafkaClientConfiguration(bootstrapServers: bootstrapServers, properties: properties), groupID: groupID)
    }

    func librdkafkaProperties() -> [(key: String, value: String, isSecret: Bool)] {
        var properties = client.librdkafkaProperties(defaults: [
            "client.id": "buildrelay",
            "enable.auto.offset.store": "false",
            "enable.auto.commit": groupID == nil ? "false" : "true",
            "auto.offset.reset": "earliest",
        ])
        // librdkafka needs a group id even to assign; a reader without a group gets a private one it never joins.
        let group = groupID ?? "buildrelay-reader-\(UInt64.random(in: 0...UInt64.max))"
        properties.insert((key: "group.id", value: group, isSecret: false), at: 0)
        return properties
    }
}
