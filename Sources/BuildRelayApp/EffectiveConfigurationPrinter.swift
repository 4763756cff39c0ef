import BuildRelayCore
import Yams

/// The effective configuration as YAML, for `buildrelay config check`. Secret values never appear: a secret
/// property shows the environment variable it is read from.
public enum EffectiveConfigurationPrinter {
    public static func yaml(_ configuration: BuildRelayConfiguration) -> String {
        let worker = configuration.worker
        var queues: [String: Any] = [:]
        for queue in configuration.queues {
            var entry: [String: Any] = ["provider": queue.provider.name]
            var polling: [String: Any] = [:]
            if let accepted = queue.pollIntervalAccepted { polling["accepted"] = text(accepted) }
            if let running = queue.pollIntervalRunning { polling["running"] = text(running) }
            if !polling.isEmpty { entry["pollInterval"] = polling }
            if let budget = queue.maxRequestsPerMinute { entry["maxRequestsPerMinute"] = budget }
            if let timeout = queue.requestTimeout { entry["requestTimeout"] = text(timeout) }
            let provider = queue.provider.registration
            if let block = type(of: provider).block { entry[block] = provider.printedBlock }
            if let webhook = queue.webhook { entry["webhook"] = webhook.source.printed(as: "secret") }
            queues[queue.name] = entry
        }
        var tracing: [String: Any] = [:]
        if let endpoint = configuration.tracing.endpoint { tracing["endpoint"] = endpoint }
        if let name = configuration.tracing.serviceName { tracing["serviceName"] = name }
        var document: [String: Any] = [
            "kafka": [
                "bootstrapServers": configuration.bootstrapServers,
                "groupId": worker.groupID,
                "properties": configuration.kafkaProperties,
                "secretProperties": configuration.kafkaSecretEnvironment,
            ] as [String: Any],
            "topics": [
                "commands": configuration.topics.commands, "status": configuration.topics.status,
                "state": configuration.topics.state, "deadLetter": configuration.topics.deadLetter,
            ],
            "worker": [
                "maxInFlightBuilds": worker.maxInFlightBuilds, "maxHeldTriggers": worker.maxHeldTriggers,
                "maxCommandBytes": worker.maxCommandBytes, "requestRetention": text(worker.requestRetention),
                "pollInterval": ["accepted": text(worker.pollIntervals.accepted), "running": text(worker.pollIntervals.running)],
                "statusConcurrency": worker.statusConcurrency, "commandConcurrency": worker.commandConcurrency,
                "retry": [
                    "maxAttempts": worker.retry.maxAttempts, "maxElapsed": text(worker.retry.maxElapsed),
                    "initialBackoff": text(worker.retry.initialBackoff), "maxBackoff": text(worker.retry.maxBackoff),
                ] as [String: Any],
                "maxBuildDuration": text(worker.maxBuildDuration), "shutdownTimeout": text(worker.shutdownTimeout),
                "republishWindow": text(worker.republishWindow),
            ] as [String: Any],
            "logging": ["level": configuration.logLevel, "format": configuration.logFormat],
            "http": ["port": configuration.httpPort],
            "queues": queues,
        ]
        if !tracing.isEmpty { document["tracing"] = tracing }
        return (try? Yams.dump(object: document, sortKeys: true)) ?? "\(document)"
    }

    /// A duration in the largest unit that writes it exactly (`90s`, `30m`, `7d`).
    static func text(_ duration: Duration) -> String {
        let milliseconds = duration.wholeMilliseconds
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where milliseconds >= size && milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }
}
