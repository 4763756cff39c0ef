import BuildRelayCore
import Synchronization

/// A provider whose answers a test scripts, recording every call it gets. For the worker's handling of provider
/// failures, which real providers cannot be made to produce on demand.
final class ScriptedBuildManager: BuildManager {
    struct Calls: Sendable {
        var triggers: [RequestID] = []
        var statuses: [BuildID] = []
        var cancels: [BuildID] = []
    }

    /// Thrown by the n-th trigger call of a request id (1-based), or `nil` to succeed.
    let triggerError: @Sendable (RequestID, Int) -> (any Error)?
    /// Awaited by the n-th trigger call of a request id before it answers.
    let triggerGate: @Sendable (RequestID, Int) async -> Void
    /// The answer to the n-th status call of a build (1-based).
    let status: @Sendable (BuildID, Int) throws -> BuildStatus
    private let recorded = Mutex(Calls())

    init(
        triggerError: @escaping @Sendable (RequestID, Int) -> (any Error)? = { _, _ in nil },
        triggerGate: @escaping @Sendable (RequestID, Int) async -> Void = { _, _ in },
        status: @escaping @Sendable (BuildID, Int) throws -> BuildStatus = { _, _ in .running }
    ) {
        self.triggerError = triggerError
        self.triggerGate = triggerGate
        self.status = status
    }

    var calls: Calls { recorded.withLock { $0 } }

    func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild {
        let requestID = request.requestID
        let attempt = recorded.withLock { calls in
            calls.triggers.append(requestID)
            return calls.triggers.filter { $0 == requestID }.count
        }
        await triggerGate(requestID, attempt)
        if let error = triggerError(requestID, attempt) { throw error }
        return TriggeredBuild(id: BuildID("scripted-\(requestID.rawValue)"))
    }

    func status(_ build: BuildID) async throws -> BuildStatusReport {
        let call = recorded.withLock { calls in
            calls.statuses.append(build)
            return calls.statuses.filter { $0 == build }.count
        }
        return BuildStatusReport(status: try status(build, call))
    }

    func cancel(_ build: BuildID) async throws {
        recorded.withLock { $0.cancels.append(build) }
    }

    func close() async throws {}
}
