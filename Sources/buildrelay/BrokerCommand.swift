import ArgumentParser
import BuildRelayKafka
import Foundation
import Logging
import ServiceLifecycle

/// `buildrelay broker`: the embedded Kafka-protocol broker (librdkafka's mock cluster) on loopback.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka-protocol broker on loopback until SIGTERM/SIGINT.",
        discussion: """
            The first line on standard output is the bootstrap list (127.0.0.1:PORT,...) and nothing else; logs go \
            to standard error. Any Kafka client can use it. Topics are created up front (the embedded broker does \
            not support CreateTopics): the four BuildRelay topics with 12 partitions each, plus every --topic.
            """
    )

    @Option(help: "Number of brokers.")
    var brokers: Int = 1

    @Option(name: .customLong("topic"), help: ArgumentHelp("A topic to create, as NAME:PARTITIONS (repeatable); overrides a default topic's partition count.", valueName: "name:partitions"))
    var topics: [TopicSpecification] = []

    @Flag(help: "Create only the --topic topics, not the four BuildRelay defaults.")
    var noDefaultTopics = false

    @Option(help: "Also write the bootstrap list to this file (atomically), for scripts.")
    var bootstrapFile: String?

    static let defaultTopics = ["build.commands", "build.status", "build.state", "build.commands.dlq"]
        .map { TopicSpecification(name: $0, partitions: 12) }

    func validate() throws {
        guard brokers >= 1 else { throw ValidationError("--brokers must be at least 1") }
    }

    func run() async throws {
        let logger = CommandLogging.bootstrap(label: "buildrelay.broker")
        var layout: [String: Int] = [:]
        for topic in (noDefaultTopics ? [] : Self.defaultTopics) + topics { layout[topic.name] = topic.partitions }

        let cluster = try MockCluster(brokers: brokers, logger: logger)
        for (name, partitions) in layout.sorted(by: { $0.key < $1.key }) {
            try cluster.createTopic(name, partitions: partitions, replicationFactor: min(3, brokers))
        }
        print(cluster.bootstrapServers)
        fflush(nil)
        if let bootstrapFile {
            try Data((cluster.bootstrapServers + "\n").utf8).write(to: URL(fileURLWithPath: bootstrapFile), options: .atomic)
        }
        logger.info("embedded broker ready", metadata: [
            "bootstrap": "\(cluster.bootstrapServers)", "brokers": "\(brokers)",
            "topics": "\(layout.keys.sorted().map { "\($0):\(layout[$0]!)" })",
        ])
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: EmbeddedBrokerService(cluster: cluster))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("embedded broker stopped")
    }
}

/// Keeps the mock cluster alive until graceful shutdown.
struct EmbeddedBrokerService: Service {
    let cluster: MockCluster

    func run() async throws {
        try? await gracefulShutdown()
        withExtendedLifetime(cluster) {}
    }
}

/// `NAME:PARTITIONS` on the command line.
struct TopicSpecification: ExpressibleByArgument, Sendable {
    var name: String
    var partitions: Int

    init(name: String, partitions: Int) {
        self.name = name
        self.partitions = partitions
    }

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let partitions = Int(argument[argument.index(after: colon)...]),
              partitions >= 1, colon != argument.startIndex
        else { return nil }
        self.init(name: String(argument[..<colon]), partitions: partitions)
    }
}
