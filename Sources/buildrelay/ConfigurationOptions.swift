import ArgumentParser
import BuildRelayApp

/// `--config FILE` and `--set KEY=VALUE`, shared by the subcommands that read the configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("A YAML (or .json) configuration file.", valueName: "file"))
    var file: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a configuration key (repeatable), e.g. --set worker.statusConcurrency=16.", valueName: "key=value"))
    var overrides: [String] = []

    /// The configuration; a bad one becomes a ``UsageError`` (exit 2) naming the key.
    func load(extra: [String: String] = [:]) async throws -> BuildRelayConfiguration {
        var pairs: [String: String] = [:]
        for assignment in overrides {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw UsageError(message: "--set expects KEY=VALUE, got \"\(assignment)\"")
            }
            pairs[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        pairs.merge(extra) { _, explicit in explicit }
        do {
            return try await ConfigurationLoader(filePath: file, overrides: pairs).load()
        } catch let error as ConfigurationError {
            throw UsageError(message: error.description)
        }
    }
}
