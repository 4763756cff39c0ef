import ArgumentParser
import BuildRelayApp
import BuildRelayKafka
import Foundation

/// `buildrelay events`: read status events from the beginning of the status topic.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print status events (one line each, or their JSON with --json), from the start of the status topic."
    )

    @OptionGroup var target: KafkaTargetOptions

    @Flag(help: "Keep printing new events until interrupted (Ctrl-C).")
    var follow = false

    @Flag(help: "Print each event's JSON as published, one per line.")
    var json = false

    @Option(help: "Only this request's events.")
    var requestId: String?

    func run() async throws {
        let configuration = try await target.load()
        let logger = CommandLogging.bootstrap(label: "buildrelay.events", level: .warning)
        var client = target.client(configuration)
        client.properties["enable.partition.eof"] = "true"
        client.properties["fetch.wait.max.ms"] = "100"
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client, groupID: nil), logger: logger)
        let topic = configuration.topics.status
        let partitions: Int
        do {
            partitions = try await KafkaTargetOptions.partitionCount(of: topic, bootstrapServers: configuration.bootstrapServers) {
                try await consumer.partitionCounts(of: $0)
            }
        } catch {
            await consumer.close()
            throw error
        }
        try consumer.assign(Dictionary(uniqueKeysWithValues: (0..<Int32(partitions)).map { (KafkaTopicPartition(topic: topic, partition: $0), KafkaOffset.beginning) }))
        let formatter = StatusEventFormatter(json: json)
        let wantedKey = requestId.map { Array($0.utf8) }
        var ended = Set<Int32>()
        var events = consumer.events.makeAsyncIterator()
        while let event = await events.next() {
            switch event {
            case .message(let message):
                if let wantedKey, message.key != wantedKey { continue }
                print(formatter.format(message))
                fflush(nil)
            case .endOfPartition(let partition, _):
                ended.insert(partition.partition)
            case .error(let error):
                if error.isFatal { throw error }
            case .partitionsAssigned, .partitionsRevoked:
                break
            }
            if !follow, ended.count == partitions { break }
        }
        await consumer.close()
    }
}
