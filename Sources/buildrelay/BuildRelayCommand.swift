import ArgumentParser
import BuildRelayApp
import BuildRelayKafka

/// `buildrelay`: the root command. Subcommands stay thin: they parse, wire and run what the library modules build.
struct BuildRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buildrelay",
        abstract: "Drive CI builds through Kafka: commands in, every status transition out.",
        // librdkafka is loaded at run time: a later 2.x than the one built against may answer.
        version: "buildrelay \(BuildRelayVersion.current) (librdkafka \(Librdkafka.version))",
        subcommands: [WorkerCommand.self, DemoCommand.self, SendCommand.self, EventsCommand.self, StatusCommand.self, BuildsCommand.self, ConfigCommand.self, BrokerCommand.self]
    )
}
