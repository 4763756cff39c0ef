import BuildRelayCore
import BuildRelayKafka
import BuildRelayProviders
import BuildRelayWorker
import Logging

/// Builds the worker's parts from a configuration: the one place that knows which provider type serves which
/// `queues.<name>.provider`.
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
        switch settings.provider {
        case .noop:
            return BuildQueue(name: settings.name, provider: "noop", manager: NoopBuildManager(), pollIntervals: polling)
        case .simulated(let simulated):
            return BuildQueue(name: settings.name, provider: "simulated", manager: SimulatedBuildManager(configuration: simulated), pollIntervals: polling)
        case .process(let process):
            return BuildQueue(name: settings.name, provider: "process", manager: ProcessBuildManager(configuration: process), pollIntervals: polling)
        case .buildkite(let buildkite, _):
            let manager = BuildkiteBuildManager(configuration: buildkite, logger: providerLogger(logger, settings))
            return BuildQueue(name: settings.name, provider: settings.provider.name, manager: manager, pollIntervals: polling)
        case .jenkins(let jenkins, _, _):
            let manager = JenkinsBuildManager(configuration: jenkins, logger: providerLogger(logger, settings))
            return BuildQueue(name: settings.name, provider: settings.provider.name, manager: manager, pollIntervals: polling)
        case .githubActions(let github, _):
            let manager = GitHubActionsBuildManager(configuration: github, logger: providerLogger(logger, settings))
            return BuildQueue(name: settings.name, provider: settings.provider.name, manager: manager, pollIntervals: polling)
        }
    }

    /// Every line a provider logs names its queue and provider.
    private static func providerLogger(_ logger: Logger, _ settings: QueueSettings) -> Logger {
        var logger = logger
        logger[metadataKey: "queue"] = "\(settings.name)"
        logger[metadataKey: "provider"] = "\(settings.provider.name)"
        return logger
    }
}
