import ArgumentParser
import BuildRelayApp
import Foundation

/// `buildrelay config …`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with the configuration.",
        subcommands: [ConfigCheckCommand.self]
    )
}

/// `buildrelay config check`: validates the configuration and prints the effective one, secrets redacted.
struct ConfigCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration (file, BUILDRELAY_* environment, --set) and print the effective one with secrets redacted.",
        discussion: "Exits 2 with one line naming the key at fault when the configuration cannot be used."
    )

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let configuration = try await options.load()
        print("# effective configuration (secret values are read from the environment variables shown, never printed)")
        print(EffectiveConfigurationPrinter.yaml(configuration), terminator: "")
        for warning in configuration.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    }
}
