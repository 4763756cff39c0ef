/// No Kafka broker answered at the configured bootstrap address: said in one line that names the address.
public struct KafkaUnreachableError: Error, CustomStringConvertible {
    public var bootstrapServers: String
    public var error: KafkaError

    public init(bootstrapServers: String, error: KafkaError) {
        self.bootstrapServers = bootstrapServers
        self.error = error
    }

    public var description: String {
        "no Kafka broker answered at \(bootstrapServers) (kafka.bootstrapServers): \(error.message)"
    }
}
