import ArgumentParser
import BuildRelayCore
import Foundation

/// `buildrelay builds`: the builds not yet settled (or those in the given statuses), from every partition of
/// `build.state`, oldest status first.
struct BuildsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builds",
        abstract: "List builds in flight (or in the given statuses) from build.state, oldest status first."
    )

    @OptionGroup var state: StateTopicOptions

    @Option(name: .customLong("status"), help: ArgumentHelp("Only builds in this status (repeatable); finished ones included.", valueName: "accepted|running|succeeded|failed|cancelled"))
    var statuses: [String] = []

    @Option(help: "Only builds of this queue.")
    var queue: String?

    func run() async throws {
        var wanted = Set<BuildStatus>()
        for name in statuses.flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let status = BuildStatus(rawValue: name) else {
                throw UsageError(message: "--status must be accepted, running, succeeded, failed, cancelled or unknown, got \"\(name)\"")
            }
            wanted.insert(status)
        }
        let summaries = try await state.summaries { Array(0..<Int32($0)) }
            .filter { wanted.isEmpty ? !$0.isSettled : wanted.contains($0.status) }
            .filter { queue == nil || $0.queue == queue }
            .sorted { ($0.statusSince, $0.requestID.rawValue) < ($1.statusSince, $1.requestID.rawValue) }
        let now = WorkerClock.system.wallMilliseconds()
        if state.json {
            print(String(decoding: BuildSummaryEncoder.encode(summaries, now: now), as: UTF8.self))
        } else if summaries.isEmpty {
            print(wanted.isEmpty ? "no builds in flight" : "no builds in \(wanted.map(\.rawValue).sorted().joined(separator: " or "))")
        } else {
            print(BuildSummaryFormatter(now: now).table(summaries))
        }
    }
}
