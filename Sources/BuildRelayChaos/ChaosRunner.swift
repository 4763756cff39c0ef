import BuildRelayKafka
import Foundation
import Logging

/// Runs scenarios at full size (`make chaos`) or short (the variant inside `make test`).
struct ChaosRunner {
    let buildrelay: String
    let short: Bool
    let logger: Logger

    func run(_ scenario: ChaosScenario) async throws -> ScenarioResult {
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
        notes += missing.map { "not dead-lettered: \($0.what)" }
        if !result.passed { notes += report.problems + result.crashes + [environment.pool.logTails()] }
        result.notes = notes
        await environment.close()
        return result
    }
}
