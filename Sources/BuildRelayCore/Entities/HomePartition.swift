/// Where the contract places a request: its **home partition**, murmur2 of the `requestId`'s UTF-8 bytes, made
/// positive and taken modulo the partition count. This is the Java clients' default partitioner and librdkafka's
/// `murmur2_random` for a keyed record, so a command produced by either lands on its home directly; the worker that
/// owns the home partition is the only one that applies the request's commands.
public enum HomePartition {
    /// The home partition of `requestID` among `partitionCount` partitions (`partitionCount > 0`).
    public static func of(_ requestID: RequestID, partitionCount: Int) -> Int32 {
        var id = requestID.rawValue
        return id.withUTF8 { partition(murmur2($0), partitionCount) }
    }

    /// The partition Kafka's Java `DefaultPartitioner` picks for a record keyed `key`.
    public static func of(key: [UInt8], partitionCount: Int) -> Int32 {
        key.withUnsafeBufferPointer { partition(murmur2($0), partitionCount) }
    }

    private static func partition(_ hash: UInt32, _ partitionCount: Int) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return Int32(bitPattern: hash & 0x7fff_ffff) % Int32(partitionCount)
    }

    /// Kafka's `Utils.murmur2`: MurmurHash2, 32 bits, seed 0x9747b28c, read little-endian four bytes at a time.
    static func murmur2(_ data: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        var hash: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: data.count)
        let whole = data.count & ~3
        var index = 0
        while index < whole {
            var k = UInt32(data[index]) | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2]) << 16 | UInt32(data[index + 3]) << 24
            k = k &* m
            k ^= k >> 24
            k = k &* m
            hash = hash &* m
            hash ^= k
            index += 4
        }
        switch data.count & 3 {
        case 3:
            hash ^= UInt32(data[whole + 2]) << 16
            fallthrough
        case 2:
            hash ^= UInt32(data[whole + 1]) << 8
            fallthrough
        case 1:
            hash ^= UInt32(data[whole])
            hash = hash &* m
        default:
            break
        }
        hash ^= hash >> 13
        hash = hash &* m
        hash ^= hash >> 15
        return hash
    }
}
