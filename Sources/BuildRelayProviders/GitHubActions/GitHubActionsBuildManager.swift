import BuildRelayCore
import Foundation
import Logging
import Synchronization

/// Builds with a GitHub Actions workflow (`workflow_dispatch`) through the REST API.
///
/// - `trigger` first looks for a run of the workflow already named with the request id (when an earlier attempt may
///   have dispatched it); else it dispatches the workflow (`POST …/workflows/{workflow}/dispatches`) on `ref` with
///   the inputs `buildrelay_request_id`, `buildrelay_queue` and `buildrelay_changes` (JSON), asking for the run's
///   id (`return_run_details`). GitHub answers 200 with `workflow_run_id`, and the ``BuildID`` is the run's. A 204
///   (a server that ignores the flag), or a 400/422 refusing it (GitHub Enterprise Server before 3.21, remembered:
///   the dispatch is sent again without it), returns no run id: the ``BuildID`` then names the dispatch
///   (`dispatch-<unix seconds>-<request id>`) and polls look the run up
///   (`GET …/runs?event=workflow_dispatch&created>=…`, matching the request id in the run's name, which the
///   workflow's `run-name` sets), reporting `accepted` until it appears; a run found is remembered (transient).
/// - `status` reads `GET /repos/{owner}/{repo}/actions/runs/{id}`; `statuses(of:)` (batched polls) reads the
///   workflow's runs list, newest first, 100 a page, until it has listed every run asked for or gone below the oldest
///   (a run not yet found by its dispatch is left to `status`); `cancel` is `POST …/runs/{id}/cancel` (GitHub's 409
///   for a finished run makes it a no-op; a run not yet visible is a retryable error, so the worker tries again).
/// - `x-ratelimit-remaining`/`x-ratelimit-reset` and `Retry-After` are honoured (a 403 at a zero budget is a rate
///   limit, not a permission problem).
public final class GitHubActionsBuildManager: BuildManager {
    public let configuration: GitHubActionsConfiguration
    private let http: VendorHTTPClient
    private let closed = ClosedState()
    /// Dispatch build id → run id, once found.
    private let runs = Mutex<[String: Int]>([:])
    /// The server refused `return_run_details` once: it is not asked for again.
    private let runDetailsRefused = Atomic<Bool>(false)
    private let now: @Sendable () -> Date

    private static let dispatchPrefix = "dispatch-"
    static let runPrefix = "run-"
    /// Runs created this long before the dispatch (by the worker's clock) are still searched: clocks differ.
    private static let clockSkew: TimeInterval = 300
    /// The runs list's largest page (GitHub's `per_page` maximum).
    private static let runsPerPage = 100
    /// How far down the runs list a lookup reads: 1,000 dispatches of the workflow since the one looked for.
    private static let maximumRunPages = 10

    public init(configuration: GitHubActionsConfiguration, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.now = now
        self.http = VendorHTTPClient(settings: .init(
            vendor: "GitHub", baseURL: configuration.apiURL, credentials: .bearer(configuration.token),
            credentialsSetting: configuration.tokenSetting, requestsPerMinute: configuration.maxRequestsPerMinute,
            requestTimeout: configuration.requestTimeout,
            headers: [("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28")]), logger: logger)
    }

    /// A retried trigger looks the request's earlier build up first, which costs a request: a first attempt skips it.
    /// Polls falling due together are one read of the runs list.
    public var capabilities: BuildManagerCapabilities { [.looksUpEarlierTriggers, .batchStatus] }

    private var workflowPath: [String] { configuration.repositoryPath + ["actions", "workflows", configuration.workflow] }

    /// What a 404 on the workflow means.
    private var workflowNotFound: String {
        "no workflow \(configuration.workflow) in \(configuration.repository); check the queue's githubActions.repository and githubActions.workflow"
    }

    public func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild {
        let (queue, changes, metadata, requestID) = (request.queue, request.changes, request.metadata, request.requestID)
        try closed.checkOpen()
        let dispatchedAt = now()
        if request.mayHaveStarted, let existing = try await findRun(for: requestID, createdAfter: dispatchedAt.addingTimeInterval(-86_400)) {
            return TriggeredBuild(id: BuildID(Self.runPrefix + String(existing.id)), status: existing.buildStatus)
        }
        let inputs = CIJobInputs(requestID: requestID, queue: queue, changes: changes, metadata: metadata)
        var body: [String: Any] = [
            "ref": configuration.ref,
            "inputs": ["buildrelay_request_id": requestID.rawValue, "buildrelay_queue": queue, "buildrelay_changes": inputs.changesJSON],
        ]
        let asksForDetails = !runDetailsRefused.load(ordering: .relaxed)
        if asksForDetails { body["return_run_details"] = true }
        let dispatch = VendorRequest(.POST, workflowPath + ["dispatches"], body: .json(Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))))
        let response = try await http.send(dispatch)
        if asksForDetails, response.status == 400 || response.status == 422,
           String(decoding: response.body, as: UTF8.self).contains("return_run_details") {
            // A server that does not know the flag refuses the whole dispatch: nothing ran. Send it again without.
            runDetailsRefused.store(true, ordering: .relaxed)
            var again = request
            again.mayHaveStarted = false
            return try await trigger(again)
        }
        guard response.isSuccess else {
            throw http.failure(response, for: dispatch, notFound: workflowNotFound)
        }
        if response.status == 200, let details = try? JSONDecoder().decode(DispatchDetails.self, from: Data(response.body)) {
            return TriggeredBuild(id: BuildID(Self.runPrefix + String(details.workflowRunID)))
        }
        return TriggeredBuild(id: BuildID("\(Self.dispatchPrefix)\(Int(dispatchedAt.timeIntervalSince1970))-\(requestID.rawValue)"))
    }

    /// What a dispatch with `return_run_details` answers.
    private struct DispatchDetails: Decodable {
        var workflowRunID: Int

        enum CodingKeys: String, CodingKey {
            case workflowRunID = "workflow_run_id"
        }
    }

    public func status(_ build: BuildID) async throws -> BuildStatusReport {
        try closed.checkOpen()
        switch try await resolve(build) {
        case .waitingForRun:
            return BuildStatusReport(status: .accepted, metadata: ["github.run": "pending"])
        case .run(let id):
            let run = try await workflowRun(id, build: build)
            return BuildStatusReport(status: run.buildStatus, metadata: run.metadata)
        }
    }

    public func statuses(of builds: [BuildID]) async throws -> [BuildID: BuildStatusReport] {
        try closed.checkOpen()
        // Runs known by id (a dispatch whose run was found is one too); the others are left to `status`.
        var wanted: [Int: BuildID] = [:]
        for build in builds {
            let text = build.rawValue
            if text.hasPrefix(Self.runPrefix), let id = Int(text.dropFirst(Self.runPrefix.count)), id > 0 {
                wanted[id] = build
            } else if let id = runs.withLock({ $0[text] }) {
                wanted[id] = build
            }
        }
        guard let oldest = wanted.keys.min() else { return [:] }
        var reports: [BuildID: BuildStatusReport] = [:]
        for page in 1...Self.maximumRunPages {
            let request = VendorRequest(.GET, workflowPath + ["runs"], query: [("per_page", String(Self.runsPerPage)), ("page", String(page))])
            let listed = try await runsPage(request)
            for run in listed {
                if let build = wanted[run.id] { reports[build] = BuildStatusReport(status: run.buildStatus, metadata: run.metadata) }
            }
            if listed.count < Self.runsPerPage || reports.count == wanted.count || (listed.last?.id ?? 0) <= oldest { break }
        }
        return reports
    }

    public func cancel(_ build: BuildID) async throws {
        try closed.checkOpen()
        guard case .run(let id) = try await resolve(build) else {
            throw BuildError(code: .providerUnavailable, kind: .dependency, isRetryable: true,
                             message: "the run of \(build) has not appeared yet; the cancel is tried again")
        }
        let request = VendorRequest(.POST, configuration.repositoryPath + ["actions", "runs", String(id), "cancel"], isIdempotent: true)
        let response = try await http.send(request)
        switch response.status {
        case 200..<300, 409: return  // 409: the run already finished
        case 404: throw BuildError.unknownBuild(build)
        default: throw http.failure(response, for: request)
        }
    }

    public func close() async throws {
        guard closed.closeOnce() else { return }
        await http.shutdown()
    }

    // MARK: Runs

    private enum Resolution {
        case waitingForRun
        case run(Int)
    }

    private func resolve(_ build: BuildID) async throws -> Resolution {
        let text = build.rawValue
        if text.hasPrefix(Self.runPrefix), let id = Int(text.dropFirst(Self.runPrefix.count)), id > 0 { return .run(id) }
        guard text.hasPrefix(Self.dispatchPrefix) else { throw BuildError.unknownBuild(build) }
        let rest = text.dropFirst(Self.dispatchPrefix.count)
        guard let dash = rest.firstIndex(of: "-"), let seconds = TimeInterval(rest[..<dash]),
              let requestID = RequestID(rawValue: String(rest[rest.index(after: dash)...])) else { throw BuildError.unknownBuild(build) }
        if let id = runs.withLock({ $0[text] }) { return .run(id) }
        let dispatchedAt = Date(timeIntervalSince1970: seconds)
        if let run = try await findRun(for: requestID, createdAfter: dispatchedAt.addingTimeInterval(-Self.clockSkew)) {
            runs.withLock { $0[text] = run.id }
            return .run(run.id)
        }
        let waited = now().timeIntervalSince(dispatchedAt)
        guard waited < Double(configuration.runAppearanceTimeout.wholeMilliseconds) / 1000 else {
            throw BuildError(code: .providerNotFound, kind: .user, isRetryable: false, message:
                "no run of \(configuration.workflow) named with request id \(requestID) appeared within \(Int(waited)) s of its dispatch; does the workflow set run-name to contain ${{ inputs.buildrelay_request_id }}?")
        }
        return .waitingForRun
    }

    /// The newest run of the workflow, dispatched since `createdAfter`, whose name carries the request id.
    ///
    /// The list comes newest first, a page at a time: on a busy repository a run looked up long after its dispatch
    /// (by a worker that took the build over) may be pages down. At most ``maximumRunPages`` pages are read.
    private func findRun(for requestID: RequestID, createdAfter: Date) async throws -> GitHubWorkflowRun? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        for page in 1...Self.maximumRunPages {
            let request = VendorRequest(.GET, workflowPath + ["runs"], query: [
                ("event", "workflow_dispatch"), ("created", ">=" + formatter.string(from: createdAfter)),
                ("per_page", String(Self.runsPerPage)), ("page", String(page)),
            ])
            let runs = try await runsPage(request)
            if let run = runs.filter({ $0.isFor(requestID) }).max(by: { $0.id < $1.id }) { return run }
            if runs.count < Self.runsPerPage { return nil }
        }
        return nil
    }

    /// One page of the workflow's runs list.
    private func runsPage(_ request: VendorRequest) async throws -> [GitHubWorkflowRun] {
        struct Page: Decodable {
            var workflowRuns: [GitHubWorkflowRun]
            enum CodingKeys: String, CodingKey { case workflowRuns = "workflow_runs" }
        }
        let response = try await http.send(request)
        guard response.isSuccess else { throw http.failure(response, for: request, notFound: workflowNotFound) }
        return try http.decode(Page.self, from: response, for: request).workflowRuns
    }

    private func workflowRun(_ id: Int, build: BuildID) async throws -> GitHubWorkflowRun {
        let request = VendorRequest(.GET, configuration.repositoryPath + ["actions", "runs", String(id)])
        let response = try await http.send(request)
        if response.status == 404 { throw BuildError.unknownBuild(build) }
        guard response.isSuccess else { throw http.failure(response, for: request) }
        return try http.decode(GitHubWorkflowRun.self, from: response, for: request)
    }
}
