import BuildRelayKafka
import BuildRelayFakes
import Foundation
import Logging

/// Runs scenarios at full size (`make chaos`) or short (the variant inside `make test`).
struct ChaosRunner {
    let buildrelay: String
    let short: Bool
    let logger: Logger

    func run(_ scenario: ChaosScenario) async throws -> ScenarioResult {
        if scenario == .providerFaults { return try await runProviderFaults() }
        let environment = try ChaosEnvironment(name: scenario.rawValue, brokers: scenario == .brokerFaults ? 3 : 1, buildrelay: buildrelay, logger: logger)
        var faults = 0
        var notes: [String] = []
        switch scenario {
        case .killedWorkers:
            for _ in 0..<(short ? 2 : 3) { try environment.pool.start() }
            var nextKill = Double.random(in: 2...4)
            try await ChaosLoad(triggers: short ? 400 : 5_000, cancels: short ? 40 : 500, triggersPerSecond: short ? 100 : 250)
                .run(in: environment, prefix: "kill") { elapsed in
                    guard elapsed >= nextKill else { return }
                    environment.pool.killRandom()
                    try environment.pool.start()
                    nextKill += Double.random(in: 2...4)
                }
        case .brokerFaults:
            for _ in 0..<2 { try environment.pool.start() }
            let downAt = 4.0, upAt = short ? 9.0 : 14.0
            var injected = false, down = false, up = false
            try await ChaosLoad(triggers: short ? 400 : 3_000, cancels: short ? 40 : 300, triggersPerSecond: short ? 50 : 200)
                .run(in: environment, prefix: "fault", minimumSeconds: upAt + 1) { elapsed in
                    if !injected, elapsed >= 2 {
                        injected = true
                        environment.cluster.pushRequestErrors(.produce, [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas])
                        environment.cluster.pushRequestErrors(.fetch, [.notLeaderForPartition, .unknownTopicOrPartition])
                        environment.cluster.pushRequestErrors(.offsetCommit, [.coordinatorNotAvailable, .requestTimedOut])
                        environment.cluster.pushRequestErrors(.joinGroup, [.coordinatorLoadInProgress])
                        environment.cluster.pushRequestErrors(.heartbeat, [.notCoordinator, .coordinatorNotAvailable])
                        faults += 5
                    }
                    if !down, elapsed >= downAt {
                        down = true
                        try environment.cluster.setBrokerDown(1)
                        faults += 1
                    }
                    if !up, elapsed >= upAt {
                        up = true
                        try environment.cluster.setBrokerUp(1)
                    }
                    environment.pool.checkAlive()
                }
            notes.append("broker 1 down from \(downAt) s to \(upAt) s")
        case .rebalanceStorm:
            for _ in 0..<2 { try environment.pool.start() }
            var nextChange = 3.0
            try await ChaosLoad(triggers: short ? 400 : 3_000, cancels: short ? 40 : 300, triggersPerSecond: short ? 50 : 150)
                .run(in: environment, prefix: "storm") { elapsed in
                    guard elapsed >= nextChange else { return }
                    nextChange += 3
                    let count = environment.pool.running.count
                    if count <= 1 || (count < 4 && Bool.random()) {
                        try environment.pool.start()
                    } else {
                        await environment.pool.stopRandom(timeout: environment.shutdownTimeout + .seconds(10))
                    }
                }
            if environment.pool.running.isEmpty { try environment.pool.start() }
        case .badInput:
            for _ in 0..<2 { try environment.pool.start() }
            var load = ChaosLoad(triggers: short ? 300 : 5_000, cancels: 0, triggersPerSecond: short ? 100 : 500)
            load.badCommands = BadCommands.corpus()
            try await load.run(in: environment, prefix: "good") { _ in }
        case .providerFaults:
            preconditionFailure("runProviderFaults() runs it")
        case .gracefulShutdown:
            for _ in 0..<2 { try environment.pool.start() }
            var stoppedOne = false
            let stopAt = short ? 5.0 : 8.0
            try await ChaosLoad(triggers: short ? 600 : 3_000, cancels: short ? 60 : 300, triggersPerSecond: short ? 80 : 200)
                .run(in: environment, prefix: "term") { elapsed in
                    guard !stoppedOne, elapsed >= stopAt, let worker = environment.pool.running.first(where: \.ownsPartitions) else { return }
                    stoppedOne = true
                    let started = ContinuousClock.now
                    await environment.pool.stop(worker, timeout: environment.shutdownTimeout + .seconds(5))
                    notes.append(String(format: "SIGTERM under load to %@ (owning partitions, builds in flight): exited in %.1f s (shutdownTimeout %d s)",
                                        worker.name, (ContinuousClock.now - started).seconds, environment.shutdownTimeout.components.seconds))
                }
        }
        return try await result(of: scenario, in: environment, faults: faults, notes: notes)
    }

    /// Waits for the end, checks the invariants and the dead-letter topic, and makes the scenario's row.
    private func result(
        of scenario: ChaosScenario, in environment: ChaosEnvironment, faults: Int, notes: [String],
        extraChecks: ([String: [StatusEventView]]) -> [String] = { _ in [] }
    ) async throws -> ScenarioResult {
        environment.pool.checkAlive()
        let report = try await environment.finish(timeout: .seconds(short ? 90 : 240))
        var result = ScenarioResult(scenario: scenario, report: report)
        result.commandsSent = environment.triggered.count + environment.cancels.count + environment.badSent.count
        result.workersKilled = environment.pool.killed
        result.workersStopped = environment.pool.stopped
        result.brokerFaults = faults
        result.crashes = environment.pool.crashes
        result.badSent = environment.badSent.count
        let deadLetters = environment.ledger.deadLetters
        let rejected = Set(deadLetters.filter { $0.reason != nil }.map(\.key))
        let missing = environment.badSent.filter { !rejected.contains(String(decoding: $0.key ?? [], as: UTF8.self)) }
        result.badRejected = result.badSent - missing.count
        result.failedChecks = extraChecks(environment.ledger.events)
        var notes = notes + report.notes + missing.map { "not dead-lettered: \($0.what)" } + result.failedChecks
        if !result.passed { notes += report.problems + result.crashes + [environment.pool.logTails()] }
        result.notes = notes
        await environment.close()
        return result
    }

    /// A fake Buildkite in this process: every request answered 500 for 30 s, then status reads 10 s slow, then
    /// malformed, then slower than the queue's `requestTimeout` (20 s; 3 s in the short run); a second pipeline
    /// answers 503 throughout.
    /// Builds on the first must all succeed (the faults stay within `worker.retry`); builds on the second must end
    /// `failed` with a dependency error once the retries are spent; no worker may lose its partitions.
    private func runProviderFaults() async throws -> ScenarioResult {
        let fake = FakeBuildkite()
        return try await FakeVendorServer.run(pathPrefix: "/v2", handler: fake.handle) { server in
            func block(_ pipeline: String) -> String {
                "{apiURL: \"\(server.baseURL)\", organization: \(FakeBuildkite.organization), pipeline: \(pipeline), branch: main, tokenEnv: BUILDKITE_TOKEN}"
            }
            let requestTimeout = short ? 3 : 20
            let environment = try ChaosEnvironment(
                name: ChaosScenario.providerFaults.rawValue, brokers: 1, buildrelay: buildrelay, logger: logger,
                queues: """
                  bk:
                    provider: buildkite
                    pollInterval: {accepted: 1s, running: 1s}
                    requestTimeout: \(requestTimeout)s
                    buildkite: \(block(FakeBuildkite.pipeline))
                  broken:
                    provider: buildkite
                    pollInterval: {accepted: 1s, running: 1s}
                    requestTimeout: \(requestTimeout)s
                    buildkite: \(block("broken"))
                """,
                // A build may meet several spells in a row (500s, then malformed answers): the bounds cover their sum
                // with room for a slow machine, yet a pipeline that never recovers exhausts them within the run.
                worker: short ? ", retry: {maxAttempts: 12, maxElapsed: 60s, initialBackoff: 500ms, maxBackoff: 2s}"
                    : ", retry: {maxAttempts: 12, maxElapsed: 180s, initialBackoff: 500ms, maxBackoff: 15s}",
                environment: ["BUILDKITE_TOKEN": FakeBuildkite.token])
            let start = ContinuousClock.now
            // Within the retry bounds: the shortest sum of backoffs before the last attempt is about 10 s (short) or 52 s.
            let phase = short ? 3.0 : 30.0, slow = short ? 2.0 : 15.0, malformed = short ? 2.0 : 10.0, timeouts = short ? 4.0 : 10.0
            @Sendable func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }
            let isStatus: @Sendable (FakeVendorServer.Request) -> Bool = { $0.method == "GET" && $0.path.last?.allSatisfy(\.isNumber) == true }
            server.inject(.respond(.json(503, ["message": "down for maintenance"])), until: at(100_000)) { $0.path.contains("broken") }
            server.inject(.respond(.json(500, ["message": "Internal Server Error"])), until: at(2 + phase)) { _ in ContinuousClock.now >= at(2) }
            server.inject(.delay(.seconds(short ? 2 : 10)), until: at(2 + phase + slow)) { request in ContinuousClock.now >= at(2 + phase) && isStatus(request) }
            server.inject(.respond(.init(status: 200, headers: ["Content-Type": "application/json"], body: Array(#"{"number": 1, "state": "#.utf8))),
                          until: at(2 + phase + slow + malformed)) { request in ContinuousClock.now >= at(2 + phase + slow) && isStatus(request) }
            server.inject(.delay(.seconds(requestTimeout + 5)), until: at(2 + phase + slow + malformed + timeouts)) { request in
                ContinuousClock.now >= at(2 + phase + slow + malformed) && isStatus(request)
            }
            for _ in 0..<2 { try environment.pool.start() }
            let broken = (0..<(short ? 5 : 20)).map { "broken-\($0)" }
            for id in broken { try await environment.trigger(id, queue: "broken") }
            // Triggers spread over every fault phase, so builds are in flight through each of them.
            try await ChaosLoad(triggers: short ? 100 : 600, cancels: 0, triggersPerSecond: short ? 8 : 20, queue: "bk")
                .run(in: environment, prefix: "bk", minimumSeconds: 2 + phase + slow + malformed + timeouts) { _ in environment.pool.checkAlive() }
            let notes = [String(format: "500s for %.0f s, status reads %d s slow for %.0f s, malformed for %.0f s, past the %d s requestTimeout for %.0f s; pipeline `broken` 503 throughout",
                                phase, short ? 2 : 10, slow, malformed, requestTimeout, timeouts)]
            return try await result(of: .providerFaults, in: environment, faults: 0, notes: notes) { events in
                var problems: [String] = []
                for (id, stream) in events where id.hasPrefix("bk-") {
                    if let last = stream.last(where: \.isTerminal), last.status != "succeeded" {
                        problems.append("\(id) ended \(last.status) within the retry bounds: \(last.errorMessage ?? "-") (statuses \(stream.map(\.status)))")
                    }
                }
                for id in broken {
                    let last = events[id]?.last(where: \.isTerminal)
                    if last?.status != "failed" || last?.errorKind != "dependency" {
                        problems.append("\(id) ended \(last?.status ?? "-") (\(last?.errorKind ?? "-")), not failed (dependency)")
                    }
                }
                let logs = environment.pool.logTails(lines: 100_000)
                if logs.contains("lost=true") { problems.append("a worker lost its partitions (evicted from the group)") }
                return problems
            }
        }
    }
}
