import ArgumentParser
import BuildRelayKafka
import Foundation
import Logging
import ServiceLifecycle

/// `buildrelay demo`: the embedded broker with sample traffic, until SIGINT/SIGTERM.
///
/// Today this shows the transport: sample `trigger` commands keyed by `requestId` go to `build.commands`, and a
/// consumer-group member prints each one as it arrives. The worker (builds and status events) replaces the
/// printing member when it lands.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the embedded broker with sample commands and print them as they arrive (Ctrl-C stops)."
    )

    @Option(help: "Sample commands per second.")
    var rate: Double = 1

    func run() async throws {
        let logger = CommandLogging.bootstrap(label: "buildrelay.demo", level: .warning)
        let cluster = try MockCluster(logger: logger)
        for topic in BrokerCommand.defaultTopics { try cluster.createTopic(topic.name, partitions: topic.partitions) }
        print("embedded broker: \(cluster.bootstrapServers)")
        print("attach any Kafka client, e.g.  kcat -C -b \(cluster.bootstrapServers) -t build.commands -f '%p/%o %k %s\\n'")
        print("sending sample trigger commands to build.commands; Ctrl-C stops\n")
        fflush(nil)

        let producer = try KafkaProducer(configuration: .init(bootstrapServers: cluster.bootstrapServers), logger: logger)
        let consumer = try KafkaConsumer(
            configuration: .init(bootstrapServers: cluster.bootstrapServers, groupID: "buildrelay-demo",
                                 properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]),
            logger: logger)
        try consumer.subscribe(topics: ["build.commands"])
        let group = ServiceGroup(configuration: .init(
            // Shut down in reverse order: traffic and printing stop before the clients close.
            services: [
                .init(service: producer),
                .init(service: consumer),
                .init(service: DemoPrinter(consumer: consumer)),
                .init(service: DemoTraffic(producer: producer, interval: .seconds(1 / max(rate, 0.01)))),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        withExtendedLifetime(cluster) {}
    }
}

/// Sends one sample trigger command per interval until graceful shutdown.
struct DemoTraffic: Service {
    let producer: KafkaProducer
    let interval: Duration

    func run() async throws {
        var sequence = 1
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let requestID = "demo-\(sequence)"
            let command = #"{"type":"trigger","requestId":"\#(requestID)","queue":"sim","changes":[{"uris":["github://acme/api/pull/\#(sequence)"],"action":"validate"}],"metadata":{"author":"demo"}}"#
            let report = try await producer.send(KafkaProducerRecord(topic: "build.commands", key: Array(requestID.utf8), value: Array(command.utf8)))
            print("sent     \(requestID) -> build.commands[\(report.partition)] offset \(report.offset)")
            fflush(nil)
            sequence += 1
            try? await Task.sleep(for: interval)
        }
    }
}

/// Prints every command as the consumer group delivers it, and stores its offset.
struct DemoPrinter: Service {
    let consumer: KafkaConsumer

    func run() async throws {
        for await event in consumer.events.cancelOnGracefulShutdown() {
            switch event {
            case .message(let message):
                let key = message.key.map { String(decoding: $0, as: UTF8.self) } ?? "-"
                print("received \(key) <- \(message.topic)[\(message.partition)] offset \(message.offset): \(String(decoding: message.value ?? [], as: UTF8.self))")
                try? consumer.storeOffset(of: message)
            case .partitionsAssigned(let partitions):
                print("consumer group assigned \(partitions.count) partitions")
            case .partitionsRevoked(let partitions, _):
                print("consumer group revoked \(partitions.count) partitions")
            case .endOfPartition, .error:
                continue
            }
            fflush(nil)
        }
    }
}
