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

    /// The queues that take webhooks, by name.
    public static func webhooks(_ configuration: BuildRelayConfiguration) -> [String: QueueWebhook] {
        var webhooks: [String: QueueWebhook] = [:]
        for queue in configuration.queues {
            guard let webhook = queue.webhook, let format = queue.provider.registration.webhookFormat else { continue }
            webhooks[queue.name] = QueueWebhook(format: format, secret: webhook.secret)
        }
        return webhooks
    }

    /// The queue's manager and polling; a queue with a webhook polls every ``WebhookSettings/safetyNetPollInterval``
    /// unless it sets its own intervals.
    public static func queue(for settings: QueueSettings, defaults: PollIntervals, logger: Logger) -> BuildQueue {
        var polling = defaults
        if settings.webhook != nil {
            polling.accepted = WebhookSettings.safetyNetPollInterval
            polling.running = WebhookSettings.safetyNetPollInterval
        }
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
