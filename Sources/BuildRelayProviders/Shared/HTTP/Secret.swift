/// A credential read from the environment or a file: its value goes into request headers and nowhere else; every
/// way of printing it (`description`, `dump`, string interpolation) shows `[redacted]`.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "[redacted]" }
    public var debugDescription: String { "[redacted]" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
