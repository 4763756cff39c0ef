/// A record consumed from the commands topic, as the worker sees it.
public struct CommandRecord: Sendable {
    /// The header a forwarded command carries: `<topic>/<partition>/<offset>` of the record it copies.
    public static let forwardedFromHeader = "buildrelay-forwarded-from"

    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    /// The record's `traceparent` header, if it had a valid one.
    public var traceparent: String?
    /// Every header of the record, in order (a forwarded copy carries them all).
    public var headers: [RecordHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, traceparent: String? = nil,
        headers: [RecordHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.traceparent = traceparent
        self.headers = headers
    }

    /// The record was forwarded to this partition by a worker (it has a ``forwardedFromHeader``).
    public var isForwarded: Bool { headers.contains { $0.name == Self.forwardedFromHeader } }

    /// The headers of this record's forwarded copy: its own, then ``forwardedFromHeader`` naming it.
    public var forwardingHeaders: [RecordHeader] {
        headers + [RecordHeader(name: Self.forwardedFromHeader, value: Array("\(topic)/\(partition)/\(offset)".utf8))]
    }
}
