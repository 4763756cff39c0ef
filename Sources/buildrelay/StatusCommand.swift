import ArgumentParser
import BuildRelayCore
import Foundation

/// `buildrelay status REQUEST_ID`: where a request stands, read from its home partition of `build.state`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show where a request stands and since when, from build.state (any machine with read access; no worker needed).",
        discussion: "Exit codes: 0 the request is known, 1 it is not (never seen, or forgotten worker.requestRetention after it settled), 2 bad usage."
    )

    @Argument(help: "The request id.")
    var requestId: String

    @OptionGroup var state: StateTopicOptions

    func run() async throws {
        let id = try SendCancelCommand.requestID(requestId)
        let found = try await state.summaries { [HomePartition.of(id, partitionCount: $0)] }.first { $0.requestID == id }
        guard let summary = found else {
            FileHandle.standardError.write(Data("\(id): unknown (never seen, or forgotten after worker.requestRetention)\n".utf8))
            throw ExitCode(1)
        }
        let now = WorkerClock.system.wallMilliseconds()
        print(state.json ? String(decoding: BuildSummaryEncoder.encode(summary, now: now), as: UTF8.self) : BuildSummaryFormatter(now: now).detail(summary))
    }
}
