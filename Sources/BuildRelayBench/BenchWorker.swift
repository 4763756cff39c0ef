import BuildRelayCore
import BuildRelayKafka
import BuildRelayWorker
import Logging
import ServiceLifecycle

/// One in-process worker on the benchmark's broker, reading `<prefix>.commands` and writing `<prefix>.status`,
/// `<prefix>.state` and `<prefix>.dlq`, in a service group of its own.
final class BenchWorker: Sendable {
    let worker: Worker
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Topic names of the run `prefix`, in the order the broker must create them.
    static func topics(_ prefix: String) -> [String] {
        ["commands", "status", "state", "dlq"].map { "\(prefix).\($0)" }
    }

    /// `properties` are librdkafka properties for the worker's clients, over fast-rebalance defaults.
    init(
        bootstrap: String, prefix: String, queues: [BuildQueue], properties: [String: String] = [:], logger: Logger,
        settings: (inout WorkerSettings) -> Void = { _ in }
    ) throws {
        var configuration = WorkerConfiguration(
            kafka: KafkaClientConfiguration(
                bootstrapServers: bootstrap,
                properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"].merging(properties) { $1 }),
            queues: queues)
        configuration.topics.commands = "\(prefix).commands"
        configuration.topics.status = "\(prefix).status"
        configuration.topics.state = "\(prefix).state"
        configuration.topics.deadLetter = "\(prefix).dlq"
        configuration.settings.groupID = "\(prefix).group"
        settings(&configuration.settings)
        let worker = try Worker(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [worker], logger: logger))
        self.worker = worker
        self.group = group
        running = Task { try await group.run() }
    }

    /// Waits until the worker joined its group and restored its partitions.
    func waitUntilReady() async throws {
        while !worker.isReady { try await Task.sleep(for: .milliseconds(5)) }
    }

    /// Shuts the worker down gracefully; throws what its run threw.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
