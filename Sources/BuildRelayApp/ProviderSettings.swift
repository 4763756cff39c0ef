/// Which provider runs a queue's builds, with its settings (`queues.<name>.provider` and its block): one of
/// ``ProviderRegistry/all``.
public struct ProviderSettings: Sendable, Hashable {
    public let registration: any ProviderRegistration

    public init(_ registration: any ProviderRegistration) {
        self.registration = registration
    }

    /// The configuration name (`queues.<name>.provider`).
    public var name: String { type(of: registration).name }

    public static func == (lhs: ProviderSettings, rhs: ProviderSettings) -> Bool {
        AnyHashable(lhs.registration) == AnyHashable(rhs.registration)
    }

    public func hash(into hasher: inout Hasher) {
        AnyHashable(registration).hash(into: &hasher)
    }
}
