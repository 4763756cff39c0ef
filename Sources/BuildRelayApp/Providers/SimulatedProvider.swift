import BuildRelayCore
import BuildRelayProviders
import Logging

/// `provider: simulated` and its `simulated` block: builds of a random duration that fail at a given rate.
public struct SimulatedProvider: ProviderRegistration {
    public static let name = "simulated"
    public static let block: String? = "simulated"
    public static let blockKeys: Set<String> = ["minDuration", "maxDuration", "failureRate"]

    public var configuration: SimulatedBuildConfiguration

    public init(configuration: SimulatedBuildConfiguration) {
        self.configuration = configuration
    }

    public init(reading queue: QueueBlockReader) throws {
        let defaults = SimulatedBuildConfiguration()
        let minimum = try queue.duration("minDuration") ?? defaults.minimumDuration
        let maximum = try queue.duration("maxDuration") ?? max(minimum, defaults.maximumDuration)
        guard maximum >= minimum else { throw ConfigurationError(key: queue.fullKey("maxDuration"), "must not be shorter than minDuration") }
        let failureRate = try queue.double("failureRate", in: 0...1) ?? defaults.failureRate
        configuration = SimulatedBuildConfiguration(minimumDuration: minimum, maximumDuration: maximum, failureRate: failureRate)
    }

    public var printedBlock: [String: any Sendable] {
        [
            "minDuration": EffectiveConfigurationPrinter.text(configuration.minimumDuration),
            "maxDuration": EffectiveConfigurationPrinter.text(configuration.maximumDuration),
            "failureRate": "\(configuration.failureRate)",
        ]
    }

    public func makeManager(logger: Logger) -> any BuildManager { SimulatedBuildManager(configuration: configuration) }
}
