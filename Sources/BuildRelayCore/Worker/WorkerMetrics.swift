import Metrics

/// The engine's metrics, through swift-metrics (the process bootstraps the backend: Prometheus in `buildrelay`).
/// Handles are made once, per queue where they carry its labels, so recording one is an atomic update.
struct WorkerMetrics: Sendable {
    /// Per queue and provider call: outcomes and latency.
    struct ProviderCallMetrics: Sendable {
        let succeeded: Counter
        let failed: Counter
        let duration: Metrics.Timer

        init(queue: BuildQueue, operation: String) {
            let labels = [("queue", queue.name), ("provider", queue.provider), ("operation", operation)]
            succeeded = Counter(label: "buildrelay_provider_calls_total", dimensions: labels + [("result", "ok")])
            failed = Counter(label: "buildrelay_provider_calls_total", dimensions: labels + [("result", "error")])
            duration = Metrics.Timer(label: "buildrelay_provider_call_duration_seconds", dimensions: labels, preferredDisplayUnit: .seconds)
        }
    }

    let triggers = Counter(label: "buildrelay_commands_total", dimensions: [("type", "trigger"), ("outcome", "accepted")])
    let cancels = Counter(label: "buildrelay_commands_total", dimensions: [("type", "cancel"), ("outcome", "accepted")])
    let rejected = Counter(label: "buildrelay_commands_total", dimensions: [("type", "invalid"), ("outcome", "dead_lettered")])
    let refreshCommands = Counter(label: "buildrelay_commands_total", dimensions: [("type", "refresh"), ("outcome", "accepted")])
    /// What refreshes led to, by ``RefreshOutcome``.
    let refreshes = Dictionary(uniqueKeysWithValues: RefreshOutcome.allCases.map {
        ($0, Counter(label: "buildrelay_refreshes_total", dimensions: [("outcome", $0.rawValue)]))
    })
    /// Commands consumed off their home partition and copied there (contract v2, "Partitioning").
    let forwarded = Counter(label: "buildrelay_commands_forwarded_total")
    /// Forwarded copies that were still off their home partition by this worker's count: handled where they are.
    let forwardedOffHome = Counter(label: "buildrelay_commands_forwarded_off_home_total")
    let eventsPublished = Counter(label: "buildrelay_events_published_total")
    let deadLetters = Counter(label: "buildrelay_dead_letters_total")
    /// Command records of partitions the engine did not own when they arrived: never expected, worth an alert.
    let ignoredRecords = Counter(label: "buildrelay_commands_ignored_total")
    /// Triggers of a known request id with other content than the first: ignored, and logged at `warning`.
    let conflictingTriggers = Counter(label: "buildrelay_conflicting_triggers_total")
    let buildsInFlight = Gauge(label: "buildrelay_builds_in_flight")
    /// How late scheduled status polls start (timer and status-call queue together).
    let pollLag = Metrics.Timer(label: "buildrelay_status_poll_lag_seconds", preferredDisplayUnit: .seconds)
    let transitions: [BuildStatus: Counter]
    let retries: [String: Counter]
    let calls: [String: [String: ProviderCallMetrics]]

    init(queues: [BuildQueue]) {
        transitions = Dictionary(uniqueKeysWithValues: [BuildStatus.accepted, .running, .succeeded, .failed, .cancelled].map {
            ($0, Counter(label: "buildrelay_status_transitions_total", dimensions: [("status", $0.rawValue)]))
        })
        retries = Dictionary(uniqueKeysWithValues: ["trigger", "cancel"].map {
            ($0, Counter(label: "buildrelay_retries_total", dimensions: [("operation", $0)]))
        })
        calls = Dictionary(queues.map { queue in
            (queue.name, Dictionary(uniqueKeysWithValues: ["trigger", "status", "cancel"].map { ($0, ProviderCallMetrics(queue: queue, operation: $0)) }))
        }, uniquingKeysWith: { _, last in last })
    }

    func recordPollLag(_ lag: Duration) {
        pollLag.recordNanoseconds(lag.wholeNanoseconds)
    }

    /// Records a provider call that took `duration`.
    func recordCall(_ call: ProviderCall, duration: Duration, failed: Bool) {
        guard let metrics = calls[call.queue.name]?[call.operation.name] else { return }
        (failed ? metrics.failed : metrics.succeeded).increment()
        metrics.duration.recordNanoseconds(duration.wholeNanoseconds)
    }
}
