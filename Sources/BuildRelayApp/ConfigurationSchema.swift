/// The keys the contract defines, for telling a misspelt key from a real one.
enum ConfigurationSchema {
    static let fixedKeys: Set<String> = [
        "kafka.bootstrapServers", "kafka.groupId",
        "topics.commands", "topics.status", "topics.state", "topics.deadLetter",
        "worker.maxInFlightBuilds", "worker.maxHeldTriggers", "worker.maxCommandBytes", "worker.requestRetention",
        "worker.pollInterval.accepted", "worker.pollInterval.running", "worker.statusConcurrency", "worker.commandConcurrency",
        "worker.retry.maxAttempts", "worker.retry.maxElapsed", "worker.retry.initialBackoff", "worker.retry.maxBackoff",
        "worker.maxBuildDuration", "worker.shutdownTimeout", "worker.republishWindow",
        "logging.level", "logging.format", "http.port",
    ]

    /// Keys under `queues.<name>.`: the queue's own, and its provider's block (``ProviderRegistration/blockKeys``).
    static let queueKeys = Set([
        "provider", "pollInterval.accepted", "pollInterval.running", "maxRequestsPerMinute", "requestTimeout", "webhook.secretEnv", "webhook.secretFile",
    ])
        .union(ProviderRegistry.blockKeys)

    /// librdkafka property names contain dots: everything after `kafka.properties.` is one component.
    static func normalize(_ path: [String]) -> [String] {
        guard path.count > 3, path[0] == "kafka", path[1] == "properties" || path[1] == "secretProperties" else { return path }
        return Array(path.prefix(2)) + [path.dropFirst(2).joined(separator: ".")]
    }

    static func check(_ path: [String]) throws {
        let key = path.joined(separator: ".")
        if fixedKeys.contains(key) { return }
        if path.count == 3, path[0] == "kafka", path[1] == "properties" || path[1] == "secretProperties", !path[2].isEmpty { return }
        if path.count >= 3, path[0] == "queues" {
            guard isValidQueueName(path[1]) else {
                throw ConfigurationError(key: key, "queue names are 1-256 characters of letters, digits, '_' and '-'")
            }
            if queueKeys.contains(path.dropFirst(2).joined(separator: ".")) { return }
        }
        throw ConfigurationError(key: key, "unknown key")
    }

    static func isValidQueueName(_ name: String) -> Bool {
        (1...256).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}
