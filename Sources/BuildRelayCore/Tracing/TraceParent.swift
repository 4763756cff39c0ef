import Synchronization

/// W3C trace context (`traceparent`: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`).
public enum TraceParent {
    /// Whether `value` is a well-formed version-00 `traceparent` with non-zero ids.
    public static func isValid(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
              bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0") else { return false }
        let hexRanges = [3..<35, 36..<52, 53..<55]
        guard hexRanges.allSatisfy({ range in bytes[range].allSatisfy(isLowercaseHex) }) else { return false }
        return bytes[3..<35].contains { $0 != UInt8(ascii: "0") } && bytes[36..<52].contains { $0 != UInt8(ascii: "0") }
    }

    /// A new sampled trace with a random trace id and parent id.
    ///
    /// Ids come from SplitMix64 over a counter seeded once from the system's generator: unpredictable enough for
    /// trace ids (which are not secrets) without three system calls per id.
    public static func random() -> String {
        let base = counter.wrappingAdd(3, ordering: .relaxed).oldValue
        return String(unsafeUninitializedCapacity: 55) { buffer in
            // 00-<trace id: two words>-<parent id: one word>-01
            for (index, byte) in "00-".utf8.enumerated() { buffer[index] = byte }
            splitMix(seed &+ base).writeHexDigits(into: buffer, at: 3)
            splitMix(seed &+ base &+ 1).writeHexDigits(into: buffer, at: 19)
            buffer[35] = UInt8(ascii: "-")
            splitMix(seed &+ base &+ 2).writeHexDigits(into: buffer, at: 36)
            for (index, byte) in "-01".utf8.enumerated() { buffer[52 + index] = byte }
            return 55
        }
    }

    /// The same trace as `parent` (a valid `traceparent`) with a new parent id: what a call made on the build's
    /// behalf sends on, so the callee's spans join the caller's trace.
    public static func child(of parent: String) -> String {
        let fresh = random()
        return String(parent.prefix(36)) + String(fresh.dropFirst(36).prefix(16)) + String(parent.suffix(3))
    }

    private static let seed = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(0)

    /// SplitMix64's step for the `value`-th output: the golden-gamma multiple, then its finalizer.
    static func splitMix(_ value: UInt64) -> UInt64 {
        var mixed = value &* 0x9e37_79b9_7f4a_7c15
        mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        return mixed ^ (mixed >> 31)
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
