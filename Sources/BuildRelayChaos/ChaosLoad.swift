/// The commands of a scenario, spread over time: triggers at a steady rate and, for some of them, a cancel a little
/// later, with a chaos action (kill, fault, join, leave) every so often meanwhile.
struct ChaosLoad {
    var triggers: Int
    var cancels: Int
    var triggersPerSecond: Int
    var queue = "sim"
    /// Bad commands sent evenly among the triggers.
    var badCommands: [BadCommands.Record] = []

    /// Sends the load through `environment`, calling `chaos` every 100 ms with the seconds elapsed, until the load
    /// is sent and at least `minimumSeconds` passed.
    func run(in environment: ChaosEnvironment, prefix: String, minimumSeconds: Double = 0, chaos: (Double) async throws -> Void) async throws {
        let cancelled = Set((0..<triggers).shuffled().prefix(cancels))
        var dueCancels: [(due: ContinuousClock.Instant, id: String)] = []
        let badEvery = badCommands.isEmpty ? Int.max : max(1, triggers / badCommands.count)
        var badIndex = 0
        let start = ContinuousClock.now
        var sent = 0
        while sent < triggers || !dueCancels.isEmpty || badIndex < badCommands.count || (ContinuousClock.now - start).seconds < minimumSeconds {
            let now = ContinuousClock.now
            let due = min(triggers, Int((now - start).seconds * Double(triggersPerSecond)) + 1)
            while sent < due {
                let id = "\(prefix)-\(sent)"
                try await environment.trigger(id, queue: queue)
                if cancelled.contains(sent) { dueCancels.append((now + .milliseconds(Int.random(in: 200...3000)), id)) }
                if sent % badEvery == 0, badIndex < badCommands.count {
                    try await environment.sendBad(badCommands[badIndex])
                    badIndex += 1
                }
                sent += 1
            }
            if sent == triggers, badIndex < badCommands.count {
                for record in badCommands[badIndex...] { try await environment.sendBad(record) }
                badIndex = badCommands.count
            }
            for cancel in dueCancels where cancel.due <= now { try await environment.cancel(cancel.id) }
            dueCancels.removeAll { $0.due <= now }
            try await chaos((now - start).seconds)
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
