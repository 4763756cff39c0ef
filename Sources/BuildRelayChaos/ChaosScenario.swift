import ArgumentParser

/// The fault-injection scenarios, each run against real `buildrelay worker` processes.
enum ChaosScenario: String, CaseIterable, ExpressibleByArgument {
    /// Workers killed with SIGKILL every 2–4 s and restarted, while triggers and cancels flow.
    case killedWorkers = "killed-workers"
    /// Request errors injected on Produce, Fetch, OffsetCommit, JoinGroup and Heartbeat; a broker down, then back.
    case brokerFaults = "broker-faults"
    /// Workers joining and leaving (SIGTERM) every few seconds.
    case rebalanceStorm = "rebalance-storm"
    /// A CI provider (a fake Buildkite) answering 500s, then slowly, then with malformed JSON, then timing out; and
    /// one pipeline that never recovers.
    case providerFaults = "provider-faults"
    /// Malformed commands interleaved with good ones.
    case badInput = "bad-input"
    /// SIGTERM to a worker under load: it exits 0 within its shutdown timeout and its work is not lost.
    case gracefulShutdown = "graceful-shutdown"
}
