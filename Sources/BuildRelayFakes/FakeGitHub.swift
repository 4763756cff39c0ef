import AsyncHTTPClient
import BuildRelayProviders
import Foundation
import Logging
import Synchronization

/// GitHub's Actions REST API as documented, for one repository (`acme/api`) and workflow (`ci.yml`): dispatch (200
/// with the run's id when asked with `return_run_details`, as github.com answers since February 2026; see
/// ``DispatchDetails`` for older servers), the workflow's runs (`event`, `created` filters; newest first, `per_page` (default 30, at most 100)
/// and `page`), a run, and cancel (202, or 409 once completed); 401
/// without the bearer token, 404 for another workflow. The workflow's `run-name` is `BuildRelay <request id>`, as
/// docs/providers.md's example sets it. A dispatched run shows in the runs list only after ``listsBeforeRunAppears``
/// list calls.
///
/// Runs move on (`queued` → `in_progress` → `completed` with ``conclusion``) per look (each `GET` of a run, and a
/// poll's listing of it) or with the clock (``VendorTiming``). With a ``rateLimit``, the token's budget is shared by
/// every client, every answer carries `x-ratelimit-limit`, `-remaining`, `-used`, `-reset` (epoch seconds) and
/// `-resource`, and a request beyond it gets 403 "API rate limit exceeded" with `x-ratelimit-remaining: 0`, as
/// GitHub documents its primary rate limit. ``deliverWebhooks(to:secret:)`` sends `workflow_run` deliveries
/// (`requested`, `in_progress`, `completed`) signed with `X-Hub-Signature-256`.
public final class FakeGitHub: Sendable {
    public static let token = "ghp_fakeGitHubToken0123456789"
    public static let repository = "acme/api"
    public static let workflow = "ci.yml"

    public struct Run: Sendable {
        public var id: Int
        public var requestID: String
        public var ref: String
        public var inputs: [String: String]
        public var status = "queued"
        public var conclusion: String?
        public var createdAt: Date
        public var cancelRequested = false
        var hiddenFor: Int
        /// For ``VendorTiming/clock``: when it was dispatched, and how long it runs once started.
        var dispatchedAt = ContinuousClock.now
        var runFor: Duration = .zero
        /// The `status` (and conclusion) the last webhook announced; `nil` before the `requested` one.
        var announced: String?

        var isCompleted: Bool { status == "completed" }
    }

    /// What a dispatch with `return_run_details: true` gets.
    public enum DispatchDetails: Sendable {
        /// 200 with `workflow_run_id`, `run_url` and `html_url` (github.com since February 2026).
        case returned
        /// 204 and no body, the flag ignored (github.com before).
        case ignored
        /// 422 for an unknown key (GitHub Enterprise Server before 3.21).
        case refused
    }

    private struct State {
        var runs: [Int: Run] = [:]
        var dispatchDetails = DispatchDetails.returned
        var nextID = 9001
        var conclusion: String? = "success"
        var listsBeforeRunAppears = 0

        /// Records a dispatch of the workflow as a new run, with the next id.
        mutating func addRun(requestID: String, ref: String, inputs: [String: String], hiddenFor: Int, runFor: Duration = .zero) {
            runs[nextID] = Run(id: nextID, requestID: requestID, ref: ref, inputs: inputs, createdAt: Date(), hiddenFor: hiddenFor, runFor: runFor)
            nextID += 1
        }
    }

    private let state = Mutex(State())
    private let timing: VendorTiming
    /// The token's request budget, shared by every client; `nil`: unlimited.
    public let rateLimit: FixedWindowRateLimit?

    public init(timing: VendorTiming = .perLook, rateLimit: FixedWindowRateLimit? = nil) {
        self.timing = timing
        self.rateLimit = rateLimit
    }

    /// How runs end; `nil` keeps them in progress.
    public var conclusion: String? {
        get { state.withLock { $0.conclusion } }
        set { state.withLock { $0.conclusion = newValue } }
    }

    public var listsBeforeRunAppears: Int {
        get { state.withLock { $0.listsBeforeRunAppears } }
        set { state.withLock { $0.listsBeforeRunAppears = newValue } }
    }

    public var runs: [Run] { state.withLock { $0.runs.values.sorted { $0.id < $1.id } } }

    public var dispatchDetails: DispatchDetails {
        get { state.withLock { $0.dispatchDetails } }
        set { state.withLock { $0.dispatchDetails = newValue } }
    }

    /// Adds dispatched runs for these request ids, as other dispatches of the workflow would.
    public func addRuns(requestIDs: [String]) {
        state.withLock { state in
            for requestID in requestIDs {
                state.addRun(requestID: requestID, ref: "main", inputs: ["buildrelay_request_id": requestID], hiddenFor: 0)
            }
        }
    }

    /// Sets a run's status and conclusion, as a change on GitHub's side (someone cancelling it there, say).
    public func set(_ id: Int, status: String, conclusion: String?) {
        state.withLock { state in
            state.runs[id]?.status = status
            state.runs[id]?.conclusion = conclusion
        }
    }

    public func handle(_ request: FakeVendorServer.Request) -> FakeVendorServer.Response {
        var limits = ["x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999", "x-ratelimit-used": "1", "x-ratelimit-resource": "core",
                      "x-ratelimit-reset": String(Int(Date().timeIntervalSince1970) + 3600)]
        if let rateLimit {
            let decision = rateLimit.take()
            limits["x-ratelimit-limit"] = String(rateLimit.limit)
            limits["x-ratelimit-remaining"] = String(decision.remaining)
            limits["x-ratelimit-used"] = String(rateLimit.limit - decision.remaining)
            limits["x-ratelimit-reset"] = String(decision.resetAtEpochSeconds)
            guard decision.allowed else {
                return .json(403, ["message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"], headers: limits)
            }
        }
        guard request.headers["authorization"] == "Bearer \(Self.token)" else {
            return .json(401, ["message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"], headers: limits)
        }
        let repo = ["repos", "acme", "api", "actions"]
        let workflow = repo + ["workflows", Self.workflow]
        let path = request.path
        switch (request.method, path) {
        case ("POST", workflow + ["dispatches"]):
            return dispatch(request, headers: limits)
        case ("GET", workflow + ["runs"]):
            return list(request, headers: limits)
        case ("GET", let path) where path.count == 6 && path.starts(with: repo + ["runs"]):
            return run(Int(path[5]), headers: limits)
        case ("POST", let path) where path.count == 7 && path.starts(with: repo + ["runs"]) && path[6] == "cancel":
            return cancel(Int(path[5]), headers: limits)
        default:
            return .json(404, ["message": "Not Found", "documentation_url": "https://docs.github.com/rest"], headers: limits)
        }
    }

    private func dispatch(_ request: FakeVendorServer.Request, headers: [String: String]) -> FakeVendorServer.Response {
        guard let body = request.bodyJSON, let ref = body["ref"] as? String, let inputs = body["inputs"] as? [String: String],
              let requestID = inputs["buildrelay_request_id"] else {
            return .json(422, ["message": "Invalid request: ref and inputs are required"], headers: headers)
        }
        let wantsDetails = body["return_run_details"] as? Bool == true
        return state.withLock { state in
            if wantsDetails, state.dispatchDetails == .refused {
                return .json(422, ["message": "Invalid request.\n\n\"return_run_details\" is not a permitted key.",
                                   "documentation_url": "https://docs.github.com/enterprise-server@3.20/rest"], headers: headers)
            }
            let id = state.nextID
            state.addRun(requestID: requestID, ref: ref, inputs: inputs, hiddenFor: state.listsBeforeRunAppears, runFor: timing.drawRunningTime())
            guard wantsDetails, state.dispatchDetails == .returned else { return FakeVendorServer.Response(status: 204, headers: headers) }
            return .json(200, [
                "workflow_run_id": id, "run_url": "https://api.github.com/repos/acme/api/actions/runs/\(id)",
                "html_url": "https://github.com/acme/api/actions/runs/\(id)",
            ], headers: headers)
        }
    }

    private func list(_ request: FakeVendorServer.Request, headers: [String: String]) -> FakeVendorServer.Response {
        let formatter = ISO8601DateFormatter()
        let since = request.query["created"].flatMap { $0.hasPrefix(">=") ? formatter.date(from: String($0.dropFirst(2))) : nil } ?? .distantPast
        let perPage = min(100, max(1, request.query["per_page"].flatMap { Int($0) } ?? 30))
        let page = max(1, request.query["page"].flatMap { Int($0) } ?? 1)
        let onPage = state.withLock { state -> (total: Int, runs: [Run]) in
            var visible: [Run] = []
            for id in state.runs.keys.sorted(by: >) {
                moveOn(id, &state)
                guard var run = state.runs[id] else { continue }
                if run.hiddenFor > 0 {
                    run.hiddenFor -= 1
                    state.runs[id] = run
                    continue
                }
                if run.createdAt.addingTimeInterval(1) >= since, request.query["event"].map({ $0 == "workflow_dispatch" }) ?? true { visible.append(run) }
            }
            let listed = Array(visible.dropFirst((page - 1) * perPage).prefix(perPage))
            // A poll's listing moves each listed run on, as a `GET` of it would (a look-up by request id does not).
            if case .perLook = timing, request.query["created"] == nil { for run in listed { step(run.id, &state) } }
            return (visible.count, listed)
        }
        return .json(200, ["total_count": onPage.total, "workflow_runs": onPage.runs.map(json)], headers: headers)
    }

    private func run(_ id: Int?, headers: [String: String]) -> FakeVendorServer.Response {
        state.withLock { state in
            guard let id, let run = state.runs[id] else { return .json(404, ["message": "Not Found"], headers: headers) }
            if case .clock = timing {
                moveOn(id, &state)
                return .json(200, json(state.runs[id] ?? run), headers: headers)
            }
            step(id, &state)
            return .json(200, json(run), headers: headers)
        }
    }

    /// Moves a run one state on (``VendorTiming/perLook``).
    private func step(_ id: Int, _ state: inout State) {
        guard let run = state.runs[id] else { return }
        switch (run.status, run.cancelRequested) {
        case ("queued", false): state.runs[id]?.status = "in_progress"
        case ("in_progress", false) where state.conclusion != nil:
            state.runs[id]?.status = "completed"
            state.runs[id]?.conclusion = state.conclusion
        case (let status, true) where status != "completed":
            state.runs[id]?.status = "completed"
            state.runs[id]?.conclusion = "cancelled"
        default: break
        }
    }

    /// Moves a clock-driven run to where the clock says it is (``VendorTiming/clock``).
    private func moveOn(_ id: Int, _ state: inout State) {
        guard case .clock(let queued, _) = timing, var run = state.runs[id], !run.isCompleted else { return }
        let age = ContinuousClock.now - run.dispatchedAt
        if run.cancelRequested {
            run.status = "completed"
            run.conclusion = "cancelled"
        } else if age >= queued + run.runFor, let conclusion = state.conclusion {
            run.status = "completed"
            run.conclusion = conclusion
        } else if age >= queued {
            run.status = "in_progress"
        }
        state.runs[id] = run
    }

    // MARK: Webhooks

    /// Sends each run's `workflow_run` deliveries as GitHub does (`requested` when dispatched, `in_progress`, then
    /// `completed`) to `targets` in turn, signed with `secret`, until cancelled. Returns the deliveries that were not
    /// answered 2xx.
    public func deliverWebhooks(to targets: [String], secret: String, client: HTTPClient = .shared) async -> Int {
        var poster = WebhookPoster(targets: targets, client: client)
        while !Task.isCancelled {
            let due = state.withLock { state -> [(action: String, run: Run)] in
                var due: [(String, Run)] = []
                for id in state.runs.keys.sorted() {
                    moveOn(id, &state)
                    guard var run = state.runs[id], run.announced != run.status else { continue }
                    let action = run.isCompleted ? "completed" : run.status == "in_progress" ? "in_progress" : "requested"
                    run.announced = run.status
                    state.runs[id] = run
                    due.append((action, run))
                }
                return due
            }
            for (action, run) in due {
                await poster.post(VendorWebhook.gitHubWorkflowRun(
                    action: action, id: run.id, status: run.status, conclusion: run.conclusion, runName: "BuildRelay \(run.requestID)", secret: secret))
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return poster.failures
    }

    private func cancel(_ id: Int?, headers: [String: String]) -> FakeVendorServer.Response {
        state.withLock { state in
            guard let id, let run = state.runs[id] else { return .json(404, ["message": "Not Found"], headers: headers) }
            moveOn(id, &state)
            guard state.runs[id]?.isCompleted == false else { return .json(409, ["message": "Cannot cancel a workflow run that is completed."], headers: headers) }
            state.runs[id]?.cancelRequested = true
            return .json(202, [:], headers: headers)
        }
    }

    private func json(_ run: Run) -> [String: Any] {
        [
            "id": run.id, "name": "CI", "display_title": "BuildRelay \(run.requestID)", "event": "workflow_dispatch",
            "status": run.status, "conclusion": run.conclusion ?? NSNull(), "head_branch": run.ref,
            "html_url": "https://github.com/acme/api/actions/runs/\(run.id)",
            "created_at": ISO8601DateFormatter().string(from: run.createdAt),
        ]
    }
}
