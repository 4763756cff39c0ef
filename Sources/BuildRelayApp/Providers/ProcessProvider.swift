import BuildRelayCore
import BuildRelayProviders
import Logging

/// `provider: process` and its `process` block: each build runs a command on the worker.
public struct ProcessProvider: ProviderRegistration {
    public static let name = "process"
    public static let block: String? = "process"
    public static let blockKeys: Set<String> = ["command", "workingDirectory", "timeout", "cancelGracePeriod", "buildsDirectory", "maxLogBytes"]
    public static let listKeys: Set<String> = ["command"]

    public var configuration: ProcessBuildConfiguration

    public init(configuration: ProcessBuildConfiguration) {
        self.configuration = configuration
    }

    public init(reading queue: QueueBlockReader) throws {
        guard let command = try queue.list("command"), !command.isEmpty, !command[0].isEmpty else {
            throw ConfigurationError(key: queue.fullKey("command"), "missing: the program and its arguments, as a list such as [\"./ci.sh\", \"--flag\"]")
        }
        var process = ProcessBuildConfiguration(command: command)
        process.workingDirectory = queue.text("workingDirectory")
        process.timeout = try queue.positive("timeout") ?? process.timeout
        process.cancelGracePeriod = try queue.duration("cancelGracePeriod") ?? process.cancelGracePeriod
        process.buildsDirectory = queue.text("buildsDirectory") ?? process.buildsDirectory
        process.maximumLogBytes = try queue.size("maxLogBytes") ?? process.maximumLogBytes
        configuration = process
    }

    public var printedBlock: [String: any Sendable] {
        var block: [String: any Sendable] = [
            "command": configuration.command, "timeout": EffectiveConfigurationPrinter.text(configuration.timeout),
            "cancelGracePeriod": EffectiveConfigurationPrinter.text(configuration.cancelGracePeriod),
            "buildsDirectory": configuration.buildsDirectory, "maxLogBytes": configuration.maximumLogBytes,
        ]
        if let directory = configuration.workingDirectory { block["workingDirectory"] = directory }
        return block
    }

    /// A program that cannot be started here would fail every build as "could not start".
    public var warnings: [(key: String, problem: String)] {
        ProgramLookup.problem(program: configuration.command[0], workingDirectory: configuration.workingDirectory).map { [("command", $0)] } ?? []
    }

    public func makeManager(logger: Logger) -> any BuildManager { ProcessBuildManager(configuration: configuration) }
}
