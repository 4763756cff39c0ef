import BuildRelayCore
import Foundation
import BuildRelayProviders

/// Turns configuration values into a checked ``BuildRelayConfiguration``.
struct ConfigurationBuilder {
    let values: ConfigurationValues
    /// Every key the file and the flags set (schema paths).
    let keys: [[String]]
    let environment: [String: String]

    func build() throws -> BuildRelayConfiguration {
        var configuration = BuildRelayConfiguration()
        if let servers = values.text("kafka.bootstrapServers") {
            guard !servers.isEmpty else { throw ConfigurationError(key: "kafka.bootstrapServers", "must not be empty") }
            configuration.bootstrapServers = servers
        }
        if let group = values.text("kafka.groupId") {
            guard !group.isEmpty else { throw ConfigurationError(key: "kafka.groupId", "must not be empty") }
            configuration.worker.groupID = group
        }
        for name in entries(under: ["kafka", "properties"]) {
            guard !Self.looksSecret(name) else {
                throw ConfigurationError(key: "kafka.properties.\(name)", "a secret: name the environment variable holding it in kafka.secretProperties instead")
            }
            configuration.kafkaProperties[name] = values.text("kafka.properties.\(name)")
        }
        for name in entries(under: ["kafka", "secretProperties"]) {
            let key = "kafka.secretProperties.\(name)"
            guard let variable = values.text(key), !variable.isEmpty else { throw ConfigurationError(key: key, "names no environment variable") }
            guard let secret = environment[variable] else {
                throw ConfigurationError(key: key, "environment variable \(variable) is not set")
            }
            configuration.kafkaSecretEnvironment[name] = variable
            configuration.kafkaSecretValues[name] = secret
        }
        try readTopics(into: &configuration)
        try readWorker(into: &configuration.worker)
        configuration.logLevel = try values.oneOf("logging.level", ["trace", "debug", "info", "notice", "warning", "error", "critical"]) ?? configuration.logLevel
        configuration.logFormat = try values.oneOf("logging.format", ["json", "text"]) ?? configuration.logFormat
        if let port = try values.int("http.port") {
            guard port <= 65_535 else { throw ConfigurationError(key: "http.port", "expected 0-65535, got \(port)") }
            configuration.httpPort = port
        }
        if let endpoint = values.text("tracing.endpoint") {
            guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ConfigurationError(key: "tracing.endpoint", "expected the collector's OTLP/HTTP URL such as http://collector:4318, got \"\(endpoint)\"")
            }
            configuration.tracing.endpoint = endpoint
        }
        configuration.tracing.serviceName = values.text("tracing.serviceName")
        for name in Set(keys.filter { $0.count >= 3 && $0[0] == "queues" }.map { $0[1] }).sorted() {
            configuration.queues.append(try readQueue(name))
        }
        return configuration
    }

    /// librdkafka properties whose values are secrets (`sasl.password`, `ssl.key.password`, a PEM key, …).
    static func looksSecret(_ property: String) -> Bool {
        property.contains("password") || property.contains("secret") || property == "ssl.key.pem" || property == "ssl_key"
    }

    /// The entries of a map such as `kafka.properties`, from the file and the flags.
    private func entries(under prefix: [String]) -> [String] {
        Set(keys.filter { $0.count == prefix.count + 1 && Array($0.prefix(prefix.count)) == prefix }.map { $0[prefix.count] }).sorted()
    }

    private func readTopics(into configuration: inout BuildRelayConfiguration) throws {
        func topic(_ key: String) throws -> String? {
            guard let name = values.text(key) else { return nil }
            guard !name.isEmpty, name.utf8.count <= 249 else { throw ConfigurationError(key: key, "must be a topic name of 1-249 characters") }
            return name
        }
        configuration.topics.commands = try topic("topics.commands") ?? configuration.topics.commands
        configuration.topics.status = try topic("topics.status") ?? configuration.topics.status
        configuration.topics.state = try topic("topics.state") ?? configuration.topics.state
        configuration.topics.deadLetter = try topic("topics.deadLetter") ?? configuration.topics.deadLetter
        let names = configuration.topics.all
        if Set(names).count != names.count { throw ConfigurationError(key: "topics", "the four topics must be different") }
    }

    private func readWorker(into worker: inout WorkerSettings) throws {
        worker.maxInFlightBuilds = try values.int("worker.maxInFlightBuilds", minimum: 1) ?? worker.maxInFlightBuilds
        worker.maxHeldTriggers = try values.int("worker.maxHeldTriggers", minimum: 0) ?? worker.maxHeldTriggers
        worker.maxCommandBytes = try values.size("worker.maxCommandBytes") ?? worker.maxCommandBytes
        guard worker.maxCommandBytes >= 1024 else { throw ConfigurationError(key: "worker.maxCommandBytes", "must be at least 1KiB") }
        worker.requestRetention = try values.duration("worker.requestRetention") ?? worker.requestRetention
        worker.pollIntervals.accepted = try values.positiveDuration("worker.pollInterval.accepted") ?? worker.pollIntervals.accepted
        worker.pollIntervals.running = try values.positiveDuration("worker.pollInterval.running") ?? worker.pollIntervals.running
        worker.statusConcurrency = try values.int("worker.statusConcurrency", minimum: 1) ?? worker.statusConcurrency
        worker.commandConcurrency = try values.int("worker.commandConcurrency", minimum: 1) ?? worker.commandConcurrency
        worker.retry.maxAttempts = try values.int("worker.retry.maxAttempts", minimum: 1) ?? worker.retry.maxAttempts
        worker.retry.maxElapsed = try values.duration("worker.retry.maxElapsed") ?? worker.retry.maxElapsed
        worker.retry.initialBackoff = try values.positiveDuration("worker.retry.initialBackoff") ?? worker.retry.initialBackoff
        worker.retry.maxBackoff = try values.positiveDuration("worker.retry.maxBackoff") ?? worker.retry.maxBackoff
        worker.maxBuildDuration = try values.positiveDuration("worker.maxBuildDuration") ?? worker.maxBuildDuration
        worker.shutdownTimeout = try values.duration("worker.shutdownTimeout") ?? worker.shutdownTimeout
        worker.republishWindow = try values.duration("worker.republishWindow") ?? worker.republishWindow
    }

    private func readQueue(_ name: String) throws -> QueueSettings {
        let prefix = "queues.\(name)"
        guard let providerName = values.text("\(prefix).provider") else {
            throw ConfigurationError(key: "\(prefix).provider", "missing: every queue names its provider")
        }
        guard let provider = ProviderRegistry.provider(named: providerName) else {
            throw ConfigurationError(key: "\(prefix).provider", "unknown provider \"\(providerName)\" (known: \(ProviderRegistry.names.joined(separator: ", ")))")
        }
        let blocks = Set(keys.filter { $0.count >= 4 && $0[0] == "queues" && $0[1] == name }.map { $0[2] }).intersection(ProviderRegistry.blocks)
        for block in blocks.sorted() where block != provider.block {
            throw ConfigurationError(key: "\(prefix).\(block)", "this queue's provider is \(providerName), not \(block)")
        }
        let requestsPerMinute = try values.int("\(prefix).maxRequestsPerMinute", minimum: 1)
        let requestTimeout = try values.positiveDuration("\(prefix).requestTimeout")
        let reader = QueueBlockReader(
            values: values, environment: environment, prefix: "\(prefix).\(provider.block ?? provider.name)",
            requestsPerMinute: requestsPerMinute, requestTimeout: requestTimeout ?? VendorDefaults.requestTimeout)
        var queue = QueueSettings(name: name, provider: ProviderSettings(try provider.init(reading: reader)))
        if keys.contains(where: { $0.count >= 4 && $0[0] == "queues" && $0[1] == name && $0[2] == "webhook" }) {
            guard queue.provider.registration.webhookFormat != nil else {
                throw ConfigurationError(key: "\(prefix).webhook", "the \(providerName) provider has no webhooks")
            }
            let block = QueueBlockReader(
                values: values, environment: environment, prefix: "\(prefix).webhook", requestsPerMinute: nil, requestTimeout: .zero)
            let credential = try block.credential("secret")
            queue.webhook = WebhookSettings(secret: credential.secret, source: credential.source)
        }
        queue.pollIntervalAccepted = try values.positiveDuration("\(prefix).pollInterval.accepted")
        queue.pollIntervalRunning = try values.positiveDuration("\(prefix).pollInterval.running")
        queue.maxRequestsPerMinute = requestsPerMinute
        queue.requestTimeout = requestTimeout
        return queue
    }
}
