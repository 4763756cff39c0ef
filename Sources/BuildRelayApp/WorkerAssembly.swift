import BuildRelayCore
import BuildRelayKafka
import BuildRelayProviders
import BuildRelayWorker
import Logging

/// Builds the worker's parts from a configuration (each queue's manager comes from its ``ProviderRegistration``).
public enum WorkerAssembly {
    public static func workerConfiguration(_ configuration: BuildRelayConfiguration, logger: Logger) -> WorkerConfiguration {
        let kafka = KafkaClientConfiguration(
            bootstrapServers: configuration.bootstrapServers, properties: configuration.kafkaProperties,
            secretProperties: configuration.kafkaSecretValues)
        var worker = WorkerConfiguration(kafka: kafka, queues: configuration.queues.map { queue(for: $0, defaults: configuration.worker.pollIntervals, logger: logger) })
        worker.topics = configuration.topics
        worker.settings = configuration.worker
        return worker
    }

    public static func queue(for settings: QueueSettings, defaults: PollIntervals, logger: Logger) -> BuildQueue {
        var polling = defaults
        polling.accepted = settings.pollIntervalAccepted ?? polling.accepted
        polling.running = settings.pollIntervalRunning ?? polling.running
        let manager = settings.provider.registration.makeManager(logger: providerLogger(logger, settings))
        return BuildQueue(name: settings.name, provider: settings.provider.name, manager: manager, pollIntervals: polling)
    }

    /// Every line a provider logs names its queue and provider.
    private static func providerLogger(_ logger: Logger, _ settings: QueueSettings) -> Logger {
        var logger = logger
        logger[metadataKey: "queue"] = "\(settings.name)"
        logger[metadataKey: "provider"] = "\(settings.provider.name)"
        return logger
    }
}
