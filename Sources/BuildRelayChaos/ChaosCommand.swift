import ArgumentParser
import Foundation
import Logging

/// `buildrelay-chaos`: runs real `buildrelay worker` processes against an embedded broker while killing workers,
/// injecting broker faults, storming rebalances and sending bad input; checks the contract's invariants from
/// outside and prints a summary table. Exits 1 if any invariant failed.
@main
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buildrelay-chaos", abstract: "Fault injection against buildrelay workers, with the contract's invariants checked.")

    @Option(name: .customLong("scenario"), help: "A scenario to run (repeatable; default: all).")
    var scenarios: [ChaosScenario] = ChaosScenario.allCases
    @Flag(help: "Small sizes and short faults (the variant `make test` runs).") var short = false

    func run() async throws {
        let buildrelay = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("buildrelay").path
        guard FileManager.default.isExecutableFile(atPath: buildrelay) else {
            throw ValidationError("\(buildrelay) not found: build the buildrelay product first (make chaos does)")
        }
        var logger = Logger(label: "chaos")
        logger.logLevel = .critical  // the faults are deliberate: librdkafka's complaints about them are noise here
        let runner = ChaosRunner(buildrelay: buildrelay, short: short, logger: logger)
        var results: [ScenarioResult] = []
        for scenario in scenarios {
            print("== \(scenario.rawValue)")
            fflush(nil)
            let result = try await runner.run(scenario)
            for note in result.notes { print(note) }
            print("\(scenario.rawValue): \(result.passed ? "pass" : "FAIL")")
            fflush(nil)
            results.append(result)
        }
        print("")
        print("chaos\(short ? " (short)" : ""): \(results.count) scenario(s)")
        print(ScenarioResult.table(results))
        if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}
