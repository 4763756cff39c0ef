/// A CI system, as the worker drives it: start a build, ask how it is doing, cancel it.
///
/// ## Implementation guidance
/// Every implementation (one per vendor, named `<Vendor>BuildManager`) must guarantee:
/// - **`trigger` returns promptly** with the new build's ``BuildID`` and ``BuildStatus/accepted``, unless it already
///   knows a terminal outcome (then it returns that status and the worker skips the first poll). It receives the
///   request id so that a provider able to look builds up by it makes a retried trigger start no second build.
/// - **`status` may be slow** (a provider round trip). It reports ``BuildStatus/unknown`` for anything it does not
///   recognise; the worker keeps polling and never assumes an unknown status is terminal. Metadata it returns
///   (e.g. `url`) is merged into events, provider keys winning.
/// - **`cancel` returns promptly** once the provider accepted the request; the build's `cancelled` status is
///   observed through `status` later. Cancelling a terminal build is a no-op, not an error.
/// - **Concurrency-safe**: the worker calls any method from many tasks at once.
/// - **Recovers from transient connectivity failures itself** (retrying idempotent reads, honouring
///   `Retry-After`), and keeps only transient local state: any worker may poll or cancel a build another worker
///   triggered, after a takeover.
/// - **Errors**: throw a ``BuildError`` for what the provider knows (a refused credential is `user`, a build the
///   vendor does not know is `dependency`; say whether retrying can help). Transport failures may be thrown as they
///   come: ``BuildErrorClassifier`` makes cancellation retryable infra, network POSIX errors retryable dependency,
///   and AsyncHTTPClient's and SwiftNIO's errors what they mean (BuildRelayProviders declares them
///   ``BuildErrorConvertible``; a provider using another library makes its errors conform the same way). HTTP
///   statuses map through ``BuildErrorClassifier/classification(ofHTTPStatus:)``. Any other error is taken as a
///   defect: non-retryable infra, and the build fails.
/// - **`close()`** releases resources and is idempotent; every other call after it throws.
/// - **Capabilities** it has are declared in ``capabilities`` (``BuildManagerCapabilities``), not set by whoever
///   configures it.
///
/// The `BuildManagerConformance` library checks these guarantees against any implementation; a provider package
/// runs it from its own tests.
public protocol BuildManager: Sendable {
    /// Starts a build of the request's changes (in order) on its queue. When ``TriggerRequest/mayHaveStarted``, a
    /// manager that can look builds up by request id returns the build an earlier attempt started instead of
    /// starting another.
    func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild

    /// The build's current status and what the provider reports about it.
    func status(_ build: BuildID) async throws -> BuildStatusReport

    /// The statuses of several builds in as few requests as the vendor allows (a listing and its pages). The worker
    /// calls it for a queue whose manager declares ``BuildManagerCapabilities/batchStatus``, with the builds whose
    /// polls fall due together; a build missing from the answer is then polled on its own with ``status(_:)``. The
    /// default asks ``status(_:)`` for each build and leaves out those that fail.
    func statuses(of builds: [BuildID]) async throws -> [BuildID: BuildStatusReport]

    /// Asks the provider to cancel the build.
    func cancel(_ build: BuildID) async throws

    /// Releases the manager's resources. Idempotent.
    func close() async throws

    /// What the manager declares about itself; none unless it says otherwise.
    var capabilities: BuildManagerCapabilities { get }
}

extension BuildManager {
    public var capabilities: BuildManagerCapabilities { [] }

    public func statuses(of builds: [BuildID]) async throws -> [BuildID: BuildStatusReport] {
        var reports: [BuildID: BuildStatusReport] = [:]
        for build in builds {
            if let report = try? await status(build) { reports[build] = report }
        }
        return reports
    }

    /// Starts a build as a retry would: an earlier attempt may have started it.
    public func trigger(queue: String, changes: [BuildChange], metadata: BuildMetadata, requestID: RequestID) async throws -> TriggeredBuild {
        try await trigger(TriggerRequest(requestID: requestID, queue: queue, changes: changes, metadata: metadata, mayHaveStarted: true))
    }
}
