/// A header of a consumed command record, kept so that a forwarded command carries every header it came with.
public struct RecordHeader: Sendable, Hashable {
    public var name: String
    /// `nil` is a header with a null value, which Kafka distinguishes from an empty one.
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}
