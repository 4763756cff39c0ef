/// A configuration that cannot be used: the key at fault and why. The command line prints it on one line and exits 2.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// The dotted key (`queues.main.provider`), or empty for the configuration as a whole.
    public var key: String
    public var message: String

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { key.isEmpty ? "configuration: \(message)" : "configuration key \(key): \(message)" }
}
