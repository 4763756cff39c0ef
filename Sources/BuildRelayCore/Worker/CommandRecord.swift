/// A record consumed from the commands topic, as the worker sees it.
public struct CommandRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    /// The record's `traceparent` header, if it had a valid one.
    public var traceparent: String?

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, traceparent: String? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.traceparent = traceparent
    }
}
