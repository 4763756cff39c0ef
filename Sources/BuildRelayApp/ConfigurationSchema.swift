/// The keys the contract defines, for telling a misspelt key from a real one.
enum ConfigurationSchema {
    static let fixedKeys: Set<String> = [
        "kafka.bootstrapServers", "kafka.groupId",
        "topics.commands", "topics.status", "topics.state", "topics.deadLetter",
        "worker.maxInFlightBuilds", "worker.maxHeldTriggers", "worker.maxCommandBytes", "worker.requestRetention",
        "worker.pollInterval.accepted", "worker.pollInterval.running", "worker.statusConcurrency", "worker.commandConcurrency",
        "worker.retry.maxAttempts", "worker.retry.maxElapsed", "worker.retry.initialBackoff", "worker.retry.maxBackoff",
        "worker.maxBuildDuration", "worker.shutdownTimeout", "worker.republishWindow",
        "logging.level", "logging.format", "http.port", "tracing.endpoint", "tracing.serviceName",
    ]

    /// Keys under `queues.<name>.`: the queue's own, and its provider's block (``ProviderRegistration/blockKeys``).
    static let queueKeys = Set([
        "provider", "pollInterval.accepted", "pollInterval.running", "maxRequestsPerMinute", "requestTimeout", "webhook.secretEnv", "webhook.secretFile",
    ])
        .union(ProviderRegistry.blockKeys)

    /// The ``queueKeys`` that hold lists.
    static let queueListKeys = ProviderRegistry.blockListKeys

    /// The maps of free keys: librdkafka properties, and queues by name.
    static let freeMaps: Set<String> = ["kafka.properties", "kafka.secretProperties", "queues"]

    /// librdkafka property names contain dots: everything after `kafka.properties.` is one component.
    static func normalize(_ path: [String]) -> [String] {
        guard path.count > 3, path[0] == "kafka", path[1] == "properties" || path[1] == "secretProperties" else { return path }
        return Array(path.prefix(2)) + [path.dropFirst(2).joined(separator: ".")]
    }

    /// Checks that `path` is a key of the contract and that its value was written in the shape it needs.
    static func check(_ path: [String], written: ConfigurationShape.Written) throws {
        if let mismatch = try shape(of: path).mismatch(written) { throw ConfigurationError(key: path.joined(separator: "."), mismatch) }
    }

    /// The shape the value at `path` needs; throws for a key the contract does not have.
    static func shape(of path: [String]) throws -> ConfigurationShape {
        let key = path.joined(separator: ".")
        if fixedKeys.contains(key) { return .single }
        if freeMaps.contains(key) { return .map(keys: []) }
        if path.count == 3, path[0] == "kafka", path[1] == "properties" || path[1] == "secretProperties", !path[2].isEmpty { return .single }
        if path.count >= 2, path[0] == "queues" {
            guard isValidQueueName(path[1]) else {
                throw ConfigurationError(key: key, "queue names are 1-256 characters of letters, digits, '_' and '-'")
            }
            let inQueue = Array(path.dropFirst(2))
            let relative = inQueue.joined(separator: ".")
            if queueListKeys.contains(relative) { return .list }
            if queueKeys.contains(relative) { return .single }
            let keys = children(of: inQueue, in: queueKeys)
            if !keys.isEmpty { return .map(keys: keys) }
        } else {
            let keys = children(of: path, in: fixedKeys.union(freeMaps))
            if !keys.isEmpty { return .map(keys: keys) }
        }
        throw ConfigurationError(key: key, "unknown key")
    }

    /// The names one level below `prefix` among dotted `keys`.
    private static func children(of prefix: [String], in keys: Set<String>) -> [String] {
        let components = keys.map { $0.split(separator: ".").map(String.init) }
        return Set(components.filter { $0.count > prefix.count && Array($0.prefix(prefix.count)) == prefix }.map { $0[prefix.count] }).sorted()
    }

    static func isValidQueueName(_ name: String) -> Bool {
        (1...256).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}
