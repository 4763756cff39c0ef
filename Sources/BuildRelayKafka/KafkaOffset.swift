import CRdKafka

/// A position in a partition: an absolute offset or one of librdkafka's logical offsets.
public struct KafkaOffset: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// The offset of the next record to read; must not be negative.
    public static func exact(_ offset: Int64) -> KafkaOffset { KafkaOffset(rawValue: offset) }
    /// The oldest record the broker still holds.
    public static let beginning = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_BEGINNING))
    /// The next record produced after the assignment.
    public static let end = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_END))
    /// The group's committed offset, falling back to `auto.offset.reset`.
    public static let stored = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_STORED))

    public var description: String {
        switch self {
        case .beginning: "beginning"
        case .end: "end"
        case .stored: "stored"
        default: String(rawValue)
        }
    }
}
