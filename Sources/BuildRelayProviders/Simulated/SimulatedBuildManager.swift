import BuildRelayCore
import Foundation
import Synchronization

/// A provider whose builds run on the clock: `accepted` for the first fifth of their duration, then `running`, then
/// `succeeded` or `failed`.
///
/// Duration and outcome derive from the request id, so runs are reproducible. Everything about a build is encoded in
/// its ``BuildID`` (`sim:<start ms>:<duration ms>:<ok|fail>:<request id>`), so its status is a pure function of the id
/// and the clock, and any worker can poll it after a takeover. A cancel is remembered by the manager that received it
/// (transient state, as the ``BuildManager`` contract allows): from then on that manager reports `cancelled`.
public final class SimulatedBuildManager: BuildManager {
    public let configuration: SimulatedBuildConfiguration
    private let closed = ClosedState()
    private let cancelled = Mutex<Set<BuildID>>([])
    private let now: @Sendable () -> Int64

    /// `now` gives milliseconds since the Unix epoch (the system clock unless a test supplies one).
    public init(configuration: SimulatedBuildConfiguration = .init(), now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.configuration = configuration
        self.now = now
    }

    public func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild {
        let requestID = request.requestID
        try closed.checkOpen()
        let seed = Self.seed(requestID.rawValue)
        let minimum = configuration.minimumDuration.wholeMilliseconds
        let span = configuration.maximumDuration.wholeMilliseconds - minimum
        let duration = minimum + (span > 0 ? Int64(seed % UInt64(span + 1)) : 0)
        let fails = Double(seed >> 11 & 0xFFFF) / 65_536 < configuration.failureRate
        let id = BuildID("sim:\(now()):\(duration):\(fails ? "fail" : "ok"):\(requestID.rawValue)")
        return TriggeredBuild(id: id)
    }

    public func status(_ build: BuildID) async throws -> BuildStatusReport {
        try closed.checkOpen()
        let plan = try Plan(build)
        if cancelled.withLock({ $0.contains(build) }) { return BuildStatusReport(status: .cancelled) }
        let elapsed = now() - plan.start
        if elapsed >= plan.duration { return BuildStatusReport(status: plan.fails ? .failed : .succeeded) }
        return BuildStatusReport(status: elapsed >= plan.duration / 5 ? .running : .accepted)
    }

    /// Cancels a build that has not finished; a finished one stays as it ended.
    public func cancel(_ build: BuildID) async throws {
        try closed.checkOpen()
        let plan = try Plan(build)
        guard now() - plan.start < plan.duration else { return }
        _ = cancelled.withLock { $0.insert(build) }
    }

    public func close() async throws {
        closed.close()
    }

    /// What a simulated build id says.
    private struct Plan {
        var start: Int64
        var duration: Int64
        var fails: Bool

        init(_ build: BuildID) throws {
            let fields = build.rawValue.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5, fields[0] == "sim", let start = Int64(fields[1]), let duration = Int64(fields[2]),
                  fields[3] == "ok" || fields[3] == "fail", RequestID(rawValue: String(fields[4])) != nil
            else { throw BuildError.unknownBuild(build) }
            self.start = start
            self.duration = duration
            self.fails = fields[3] == "fail"
        }
    }

    /// FNV-1a of the request id, then SplitMix64's finalizer: ids that differ only in their last character (as
    /// `build-1`, `build-2`, … do) still get unrelated durations and outcomes.
    private static func seed(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }
}
