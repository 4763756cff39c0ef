import BuildRelayCore
import BuildRelayWorker

/// The whole configuration of the contract, resolved: file, then environment, then `--set` flags over defaults.
/// Secrets are resolved from the environment variables the configuration names, never stored in the file.
public struct BuildRelayConfiguration: Sendable {
    public var bootstrapServers = "127.0.0.1:9092"
    /// `kafka.properties`: passed verbatim to librdkafka.
    public var kafkaProperties: [String: String] = [:]
    /// `kafka.secretProperties`: librdkafka property → the environment variable holding its value.
    public var kafkaSecretEnvironment: [String: String] = [:]
    /// The values of ``kafkaSecretEnvironment``, read from the environment. Never printed.
    public var kafkaSecretValues: [String: String] = [:]
    public var topics = WorkerTopics()
    /// `worker.*`, with `kafka.groupId` as `groupID`.
    public var worker = WorkerSettings()
    public var logLevel = "info"
    public var logFormat = "json"
    /// `http.port`; 0 turns the endpoint off.
    public var httpPort = 9090
    public var queues: [QueueSettings] = []
    /// `tracing.*`: where spans are exported (``TracingBootstrap``).
    public var tracing = TracingSettings()

    public init() {}

    /// Likely mistakes that are not errors, each `<key>: <problem>` (a `process` program this machine cannot start).
    public var warnings: [String] {
        queues.flatMap { queue in
            let registration = queue.provider.registration
            let block = type(of: registration).block ?? queue.provider.name
            return registration.warnings.map { "queues.\(queue.name).\(block).\($0.key): \($0.problem)" }
        }
    }
}
