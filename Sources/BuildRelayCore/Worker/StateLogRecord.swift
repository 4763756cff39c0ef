/// A record of the state topic (`build.state`): a build's tracking record, or a tombstone (`value == nil`).
public struct StateLogRecord: Sendable {
    /// The partition, equal to the partition of the build's commands.
    public var partition: Int32
    /// The request id.
    public var key: [UInt8]
    /// A ``BuildStateRecord`` encoded by ``BuildStateCodec``, or `nil` for a tombstone.
    public var value: [UInt8]?

    public init(partition: Int32, key: [UInt8], value: [UInt8]?) {
        self.partition = partition
        self.key = key
        self.value = value
    }
}
