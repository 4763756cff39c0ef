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
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return "00-\(hex(generator.next(), generator.next()))-\(hex(generator.next()))-01"
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func hex(_ words: UInt64...) -> String {
        words.map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
