import BuildRelayKafka
import BuildRelayFakes
import Foundation
import Logging
import Synchronization

/// Everything the workers published, read from the status and dead-letter topics from their beginning (its own
/// client, no group), for checking the contract's invariants from outside.
final class StatusLedger: Sendable {
    private struct Contents {
        var events: [String: [StatusEventView]] = [:]
        var unreadable = 0
        var deadLetters: [(key: String, reason: String?)] = []
    }

    /// Shared with the reading task.
    private final class Shelf: Sendable {
        let contents = Mutex(Contents())
    }

    private let shelf = Shelf()
    private let consumer: KafkaConsumer
    private let reading: Task<Void, Never>

    init(bootstrap: String, status: String, deadLetter: String, partitions: Int, logger: Logger) throws {
        let consumer = try KafkaConsumer(configuration: .init(bootstrapServers: bootstrap, groupID: nil, properties: ["fetch.wait.max.ms": "20"]), logger: logger)
        var assignment: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in 0..<Int32(partitions) {
            assignment[KafkaTopicPartition(topic: status, partition: partition)] = .beginning
            assignment[KafkaTopicPartition(topic: deadLetter, partition: partition)] = .beginning
        }
        try consumer.assign(assignment)
        self.consumer = consumer
        let shelf = self.shelf
        reading = Task {
            for await event in consumer.events {
                guard case .message(let message) = event else { continue }
                let key = String(decoding: message.key ?? [], as: UTF8.self)
                if message.topic == deadLetter {
                    let reason = message.headers.first { $0.name == "buildrelay-error" }.flatMap { $0.value }.map { String(decoding: $0, as: UTF8.self) }
                    shelf.contents.withLock { $0.deadLetters.append((key, reason)) }
                } else if let observed = StatusEventView(message.value ?? []) {
                    shelf.contents.withLock { $0.events[observed.requestID, default: []].append(observed) }
                } else {
                    shelf.contents.withLock { $0.unreadable += 1 }
                }
            }
        }
    }

    /// Every event per request id, in the order read.
    var events: [String: [StatusEventView]] { shelf.contents.withLock { $0.events } }
    var deadLetters: [(key: String, reason: String?)] { shelf.contents.withLock { $0.deadLetters } }
    var unreadableEvents: Int { shelf.contents.withLock { $0.unreadable } }

    /// Request ids among `ids` with a terminal event.
    func terminalCount(of ids: some Sequence<String>) -> Int {
        shelf.contents.withLock { contents in ids.filter { id in contents.events[id]?.contains { $0.isTerminal } ?? false }.count }
    }

    /// Waits until every one of `ids` has a terminal event, or `timeout` passed; whether they all have.
    func waitForTerminal(_ ids: [String], timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while terminalCount(of: ids) < ids.count {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return true
    }

    func close() async {
        await consumer.close()
        await reading.value
    }
}
