import BuildRelayCore
import BuildRelayProviders
import Logging

/// One provider as the app knows it: what `queues.<name>.provider: <name>` and the queue's block mean, how they
/// are read and checked, printed by `buildrelay config check`, and turned into the queue's ``BuildManager``.
///
/// Adding a provider is one conforming type in this folder and one entry in ``ProviderRegistry/all``.
public protocol ProviderRegistration: Sendable, Hashable {
    /// The provider's name in `queues.<name>.provider`.
    static var name: String { get }
    /// The block under `queues.<name>.` that holds its settings, and the keys inside it; `nil` and empty for none.
    static var block: String? { get }
    static var blockKeys: Set<String> { get }
    /// The ``blockKeys`` whose values are lists of strings; every other key holds a single value.
    static var listKeys: Set<String> { get }

    /// Reads and checks the queue's settings; every error names its key.
    init(reading queue: QueueBlockReader) throws

    /// The block as `buildrelay config check` prints it: credentials by where they are read from, never their values.
    var printedBlock: [String: any Sendable] { get }

    /// The queue's build manager; `logger` already names the queue and the provider.
    func makeManager(logger: Logger) -> any BuildManager

    /// How the vendor's webhook deliveries are read, for a queue with `webhook` set; `nil`: the provider has none.
    var webhookFormat: (any WebhookFormat)? { get }

    /// What is likely wrong on this machine without being an error (the worker may run elsewhere), as
    /// `(key in the block, problem)`: `config check` and a starting worker print them.
    var warnings: [(key: String, problem: String)] { get }
}

extension ProviderRegistration {
    public static var block: String? { nil }
    public static var blockKeys: Set<String> { [] }
    public static var listKeys: Set<String> { [] }
    public var printedBlock: [String: any Sendable] { [:] }
    public var webhookFormat: (any WebhookFormat)? { nil }
    public var warnings: [(key: String, problem: String)] { [] }
}
