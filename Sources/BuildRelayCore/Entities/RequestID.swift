/// The caller-chosen identity of a build request, and its idempotency key: 1–256 characters of `[A-Za-z0-9._:/-]`.
public struct RequestID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String

    /// `nil` unless `rawValue` satisfies the contract's syntax.
    public init?(rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func isValid(_ value: String) -> Bool {
        let bytes = value.utf8
        guard (1...256).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
