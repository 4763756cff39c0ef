/// A Kafka record header. Header names may repeat within one record; order is kept.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    /// `nil` is a header with a null value, which Kafka distinguishes from an empty one.
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }
}

extension Array where Element == KafkaHeader {
    /// The value of the first header called `name`, decoded as UTF-8 (invalid bytes are repaired).
    public func firstValue(named name: String) -> String? {
        guard let header = first(where: { $0.name == name }), let value = header.value else { return nil }
        return String(decoding: value, as: UTF8.self)
    }
}
