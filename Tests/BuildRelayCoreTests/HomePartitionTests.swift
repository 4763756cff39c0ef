@testable import BuildRelayCore
import Testing

/// The home partition is Kafka's murmur2 placement (the Kafka tests check it against librdkafka's `murmur2_random`).
struct HomePartitionTests {
    @Test("murmur2 matches the values Kafka's own tests pin (Utils.murmur2)")
    func murmur2MatchesKafka() {
        let cases: [(String, Int32)] = [
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            ("abc", 479_470_107),
        ]
        for (key, expected) in cases {
            let hash = Array(key.utf8).withUnsafeBufferPointer { HomePartition.murmur2($0) }
            #expect(Int32(bitPattern: hash) == expected, "\(key)")
        }
    }

    @Test("a request id's home partition is its positive murmur2 modulo the partition count")
    func homePartitionIsPositiveMurmur2Modulo() {
        // "foobar" hashes negative: the sign bit is cleared before the modulo, as Kafka's toPositive does.
        #expect(HomePartition.of(RequestID(rawValue: "foobar")!, partitionCount: 12) == Int32((UInt32(bitPattern: -790_332_482) & 0x7fff_ffff) % 12))
        #expect(HomePartition.of(RequestID(rawValue: "abc")!, partitionCount: 7) == 479_470_107 % 7)
        for count in 1...16 {
            #expect((0..<Int32(count)).contains(HomePartition.of(RequestID(rawValue: "req-\(count)")!, partitionCount: count)))
        }
    }
}
