import BuildRelayCore
import Testing

@Suite("JSONWriter")
struct JSONWriterTests {
    @Test("integers are written in decimal, from the smallest to the largest Int64", arguments: [
        0, 7, -7, 10, 1_796_676_530_303, Int64.max, Int64.min,
    ] as [Int64])
    func integers(_ value: Int64) {
        var out = JSONWriter(capacity: 0)
        out.integer(value)
        #expect(String(decoding: out.bytes, as: UTF8.self) == String(value))
    }

    @Test("strings are quoted with quotes, backslashes and control characters escaped")
    func strings() {
        var out = JSONWriter(capacity: 0)
        out.string("a\"b\\c\nd\u{01}é")
        out.raw(",")
        out.raw("null")
        #expect(String(decoding: out.bytes, as: UTF8.self) == #""a\"b\\c\nd\u0001é",null"#)
    }
}

@Suite("Event times")
struct EventTimeTests {
    @Test("what JSONWriter.timestamp writes reads back to the same millisecond, across leap days, centuries and eras")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        let fixed: [Int64] = [0, 1, 999, 1000, 951_782_400_000, 951_868_799_999, 4_107_542_399_999, -1, -86_400_001, 253_402_300_799_999]
        for milliseconds in fixed + (0..<2000).map({ _ in Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &generator) }) {
            var out = JSONWriter(capacity: 24)
            out.timestamp(milliseconds: milliseconds)
            let text = String(decoding: out.bytes, as: UTF8.self)
            if milliseconds >= -62_135_596_800_000 {
                #expect(EventTime.milliseconds(fromFixedFormat: text) == milliseconds, "\(text)")
            }
        }
    }

    @Test("other shapes are left to a general parser", arguments: [
        "2026-12-07T18:01:19Z", "2026-12-07T18:01:19.168+00:00", "2026-13-07T18:01:19.168Z", "2026-12-07T24:01:19.168Z",
        "2026-12-07 18:01:19.168Z", "x026-12-07T18:01:19.168Z", "",
    ])
    func otherShapes(_ text: String) {
        #expect(EventTime.milliseconds(fromFixedFormat: text) == nil)
    }
}
