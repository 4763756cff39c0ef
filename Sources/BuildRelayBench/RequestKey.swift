/// Request ids that carry their own send time: `<run>-<index>-<monotonic ns>`, so a reader of any topic keyed by
/// request id can time each record without shared state.
enum RequestKey {
    static func make(run: String, index: Int, sentAt: UInt64) -> String { "\(run)-\(index)-\(sentAt)" }

    /// The index and send time of a key made by ``make(run:index:sentAt:)``.
    static func parse(_ key: [UInt8]) -> (index: Int, sentAt: UInt64)? {
        let fields = key.split(separator: UInt8(ascii: "-"))
        guard fields.count >= 3, let index = Int(decimal: fields[fields.count - 2]),
              let sentAt = Int(decimal: fields[fields.count - 1]) else { return nil }
        return (index, UInt64(sentAt))
    }
}

extension Int {
    /// A non-negative decimal number from ASCII digits.
    init?(decimal digits: ArraySlice<UInt8>) {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        self = value
    }
}
