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
            switch queue.provider {
            case .noop:
                break
            case .simulated(let simulated):
                entry["simulated"] = ["minDuration": text(simulated.minimumDuration), "maxDuration": text(simulated.maximumDuration), "failureRate": "\(simulated.failureRate)"]
            case .process(let process):
                var block: [String: Any] = [
                    "command": process.command, "timeout": text(process.timeout), "cancelGracePeriod": text(process.cancelGracePeriod),
                    "buildsDirectory": process.buildsDirectory, "maxLogBytes": process.maximumLogBytes,
                ]
                if let directory = process.workingDirectory { block["workingDirectory"] = directory }
                entry["process"] = block
            case .buildkite(let buildkite, let token):
                var block: [String: Any] = [
                    "apiURL": buildkite.apiURL, "organization": buildkite.organization, "pipeline": buildkite.pipeline, "branch": buildkite.branch,
                ]
                block.merge(secretEntry("token", token)) { $1 }
                entry["buildkite"] = block
            case .jenkins(let jenkins, let user, let token):
                var block: [String: Any] = ["url": jenkins.url, "job": jenkins.job]
                block.merge(secretEntry("user", user)) { $1 }
                block.merge(secretEntry("token", token)) { $1 }
                entry["jenkins"] = block
            case .githubActions(let github, let token):
                var block: [String: Any] = ["apiURL": github.apiURL, "repository": github.repository, "workflow": github.workflow, "ref": github.ref]
                block.merge(secretEntry("token", token)) { $1 }
                entry["githubActions"] = block
            }
            queues[queue.name] = entry
        }
        let document: [String: Any] = [
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
        return (try? Yams.dump(object: document, sortKeys: true)) ?? "\(document)"
    }

    /// `<name>Env: VARIABLE` or `<name>File: PATH`: where a secret comes from, never its value.
    private static func secretEntry(_ name: String, _ source: SecretSource) -> [String: Any] {
        switch source {
        case .environment(let variable): ["\(name)Env": variable]
        case .file(let path): ["\(name)File": path]
        }
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
