import BuildRelayCore
import BuildRelayKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Prints every status event and dead-lettered command of the demo as it arrives, and remembers which requests
/// reached a terminal status.
final class DemoPrinter: Service, Sendable {
    private let consumer: KafkaConsumer
    private let terminal = Mutex<Set<String>>([])

    init(bootstrapServers: String, logger: Logger) throws {
        consumer = try KafkaConsumer(
            configuration: .init(bootstrapServers: bootstrapServers, groupID: nil, properties: ["fetch.wait.max.ms": "50"]), logger: logger)
        var partitions: [KafkaTopicPartition: KafkaOffset] = [:]
        for topic in ["build.status", "build.commands.dlq"] {
            for partition in 0..<Int32(12) { partitions[KafkaTopicPartition(topic: topic, partition: partition)] = .beginning }
        }
        try consumer.assign(partitions)
    }

    var terminalRequests: Set<String> { terminal.withLock { $0 } }

    /// Prints until a graceful shutdown, plus a second for the worker's last events (closing the consumer ends them).
    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.printEvents() }
            group.addTask {
                try? await gracefulShutdown()
                try? await Task.sleep(for: .seconds(1))
                await self.consumer.close()
            }
        }
    }

    private func printEvents() async {
        let formatter = StatusEventFormatter()
        var events = consumer.events.makeAsyncIterator()
        while let event = await events.next() {
            guard case .message(let message) = event else { continue }
            print(formatter.format(message))
            fflush(nil)
            if let event = StatusEventLine(message), event.status.isTerminal {
                terminal.withLock { _ = $0.insert(event.requestID) }
            }
        }
    }
}
