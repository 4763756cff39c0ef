@testable import BuildRelayCore
import Testing

/// The contract's invariants under random runs: commands, provider answers, broker acknowledgements, time and
/// partition handovers (graceful and crashes) in random order, with the same state machine the worker runs.
@Suite("The engine keeps the contract's invariants in random runs")
struct EngineInvariantTests {
    static let ids = (0..<6).map { "r\($0)" }

    @Test("gapless sequences, one terminal event per build, records before events, every command processed", arguments: 0..<40)
    func randomRun(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let settings = EngineSimulator.settings { $0.maxInFlightBuilds = 3; $0.maxHeldTriggers = 4 }
        // Runs on a plain manager, on one that looks earlier builds up (first trigger attempts are then recorded
        // first), and on one that reads statuses in batches.
        let kind = seed % 3
        let sim = EngineSimulator(
            settings: settings, queues: kind == 0 ? ["q"] : [], lookupQueues: kind == 1 ? ["q"] : [], batchQueues: kind == 2 ? ["q"] : [], seed: seed)
        sim.assign()
        var triggered: Set<String> = []

        for _ in 0..<400 {
            let id = Self.ids.randomElement(using: &random)!
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<12:
                let queue = Int.random(in: 0..<10, using: &random) == 0 ? "nope" : "q"
                sim.trigger(id, queue: queue)
                triggered.insert(id)
            case 12..<18: sim.cancel(id)
            case 18..<20: sim.consume(#"{"type":"trigger","requestId":"\#(id)","queue":"q","changes":"none"}"#, key: id)
            case 20..<45:
                if let call = sim.calls.randomElement(using: &random) {
                    sim.answer(call.operation.name, call.build.requestID.rawValue, Self.answer(call, using: &random))
                }
            case 45..<75: sim.acknowledgeNext()
            case 75..<80: sim.refresh(id, observed: [nil, .accepted, .running, .succeeded].randomElement(using: &random)!)
            case 80..<97: sim.advance(by: .milliseconds(Int.random(in: 0...3000, using: &random)))
            case 97..<99: sim.handOver { Self.answer($0, using: &random) }
            default: sim.handOver(crash: Int.random(in: 0...sim.writes.count, using: &random)) { Self.answer($0, using: &random) }
            }
        }
        settle(sim)

        #expect(sim.committed[0] == sim.consumedCount(), "every command is processed in the end")
        for id in Self.ids {
            let events = sim.events.filter { $0.requestID == id }
            if triggered.contains(id) { #expect(!events.isEmpty, "\(id) was triggered and reported nothing") }
            var previous: EngineSimulator.Event?
            for event in events {
                if let previous {
                    #expect(event.sequence == previous.sequence || event.sequence == previous.sequence + 1, "\(id): \(previous) then \(event)")
                    if event.sequence == previous.sequence { #expect(event.bytes == previous.bytes, "\(id): a repeat that differs") }
                    #expect(!BuildStatus(rawValue: previous.status)!.isTerminal || event.sequence == previous.sequence,
                            "\(id): \(event) after the terminal \(previous)")
                } else {
                    #expect(event.sequence == 1, "\(id) starts at \(event)")
                }
                previous = event
            }
            if let last = events.last { #expect(BuildStatus(rawValue: last.status)!.isTerminal, "\(id) ends \(last)") }
        }
    }

    /// A random answer to `call`: mostly what a working provider says, sometimes a retryable or a fatal failure.
    static func answer(_ call: ProviderCall, using random: inout SeededRandom) -> Result<EngineSimulator.ProviderAnswer, any Error> {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return .failure(WorkerEngineStateTests.unavailable)
        case 1 where !(call.operation.name == "status"): return .failure(WorkerEngineStateTests.refused)
        default:
            let statuses: [BuildStatus] = call.operation.name == "trigger"
                ? [.unknown, .accepted, .accepted, .running, .succeeded, .failed]
                : [.accepted, .running, .running, .succeeded, .failed, .cancelled, .unknown]
            return .success(.status(statuses.randomElement(using: &random)!))
        }
    }

    /// Lets every build finish: providers answer terminal, the broker acknowledges everything, time passes.
    func settle(_ sim: EngineSimulator) {
        for _ in 0..<200 {
            while sim.acknowledgeNext() {}
            for call in sim.calls {
                let answer: EngineSimulator.ProviderAnswer = call.operation.name == "cancel" ? .done : .status(.succeeded)
                sim.answer(call.operation.name, call.build.requestID.rawValue, .success(answer))
            }
            sim.acknowledgeAll()
            if sim.calls.isEmpty, sim.writes.isEmpty, !sim.scheduled.contains(where: { !$0.0.hasPrefix("forget") }) { return }
            sim.advance(by: .seconds(10))
        }
        Issue.record("the run did not settle: calls \(sim.pendingCalls), writes \(sim.writes.count), timers \(sim.scheduled.map(\.0))")
    }
}
