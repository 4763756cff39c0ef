/// Settings every Kafka client of this module takes.
///
/// `properties` are librdkafka properties passed verbatim (`security.protocol`, `sasl.mechanism`,
/// `ssl.ca.location`, `linger.ms`, …) and override this module's defaults. `secretProperties` are set the
/// same way but their values are never logged, described or echoed in an error.
public struct KafkaClientConfiguration: Sendable, CustomStringConvertible {
    /// `host:port[,host:port…]`.
    public var bootstrapServers: String
    public var properties: [String: String]
    public var secretProperties: [String: String]
    /// Receives librdkafka's statistics every `statistics.interval.ms` (off unless that property is set).
    public var onStatistics: (@Sendable (KafkaStatistics) -> Void)?

    public init(
        bootstrapServers: String, properties: [String: String] = [:], secretProperties: [String: String] = [:],
        onStatistics: (@Sendable (KafkaStatistics) -> Void)? = nil
    ) {
        self.bootstrapServers = bootstrapServers
        self.properties = properties
        self.secretProperties = secretProperties
        self.onStatistics = onStatistics
    }

    /// The largest record the producer accepts (`message.max.bytes`, librdkafka's default 1,000,000).
    public var maximumMessageBytes: Int {
        properties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000
    }

    /// The properties librdkafka receives, in the order they are applied: `defaults`, then
    /// `bootstrap.servers`, then `properties`, then `secretProperties`.
    /// Properties that only the other `role` uses are left out.
    func librdkafkaProperties(for role: KafkaClientRole, defaults: KeyValuePairs<String, String>) -> [(key: String, value: String, isSecret: Bool)] {
        var result = defaults.map { (key: $0.key, value: $0.value, isSecret: false) }
        result.append((key: "bootstrap.servers", value: bootstrapServers, isSecret: false))
        let foreign = role.foreignProperties
        for key in properties.keys.sorted() where !foreign.contains(key) { result.append((key, properties[key]!, false)) }
        for key in secretProperties.keys.sorted() { result.append((key, secretProperties[key]!, true)) }
        return result
    }

    public var description: String {
        let secrets = secretProperties.keys.sorted().map { "\($0)=<redacted>" }
        let plain = properties.keys.sorted().map { "\($0)=\(properties[$0]!)" }
        return "KafkaClientConfiguration(bootstrap.servers=\(bootstrapServers), \((plain + secrets).joined(separator: ", ")))"
    }
}
