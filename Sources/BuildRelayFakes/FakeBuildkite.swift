import AsyncHTTPClient
import BuildRelayProviders
import Foundation
import NIOCore
import Logging
import Synchronization

/// Buildkite's REST API v2 as documented, for one organisation and pipeline: create (201), list with a `meta_data`
/// filter and pages (`per_page`, `page`), get (`exclude_jobs`), cancel (200, or 422 for a finished build); 401
/// without the bearer token, 404 for another pipeline or an unknown build.
///
/// Builds move on in one of two ways (``Timing``): each `GET` of a build moves it one state on (`scheduled` →
/// `running` → ``outcome``; a cancelled one `canceling` → `canceled`), for tests; or with the clock, for runs at
/// scale. With a ``rateLimit``, the organization's budget is shared by every client, every answer carries
/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`, and requests beyond it get 429. With webhook
/// targets, ``deliverWebhooks(to:token:)`` sends `build.running` and `build.finished` as Buildkite does.
public final class FakeBuildkite: Sendable {
    public static let token = "bk-test-token-5f2e9a"
    public static let organization = "acme"
    public static let pipeline = "api-ci"

    public struct Build: Sendable {
        public var number: Int
        public var state: String
        public var commit: String
        public var branch: String
        public var message: String
        public var env: [String: String]
        public var metaData: [String: String]
        public var cancelRequested = false
        public var createdAt = ContinuousClock.now
        /// For ``Timing/clock``: how long it runs once started; when it finished.
        public var runFor: Duration = .zero
        /// For ``Timing/clock``: how long it is scheduled before it runs.
        public var queued: Duration = .zero
        public var finishedAt: ContinuousClock.Instant?
        /// The last state a webhook announced.
        var announced = "scheduled"

        public var json: [String: Any] {
            ["id": "0190-\(number)", "number": number, "state": state, "commit": commit, "branch": branch, "message": message,
             "env": env, "meta_data": metaData,
             "web_url": "https://buildkite.com/\(FakeBuildkite.organization)/\(FakeBuildkite.pipeline)/builds/\(number)",
             "url": "https://api.buildkite.com/v2/organizations/acme/pipelines/api-ci/builds/\(number)"]
        }

        public var isFinished: Bool { ["passed", "failed", "canceled", "skipped", "not_run"].contains(state) }

        /// When a clock-driven build ends (``Timing/clock``), whether or not anyone looked.
        public var expectedEnd: ContinuousClock.Instant { createdAt + queued + runFor }
    }

    /// How builds move on: `scheduled` → `running` → ``outcome``, per look or with the clock.
    public typealias Timing = VendorTiming

    private struct State {
        var builds: [Int: Build] = [:]
        var nextNumber = 1
        var outcome = "passed"
    }

    private let state = Mutex(State())
    private let timing: Timing
    /// The organization's request budget, shared by every client; `nil`: unlimited.
    public let rateLimit: FixedWindowRateLimit?

    public init(timing: Timing = .perLook, rateLimit: FixedWindowRateLimit? = nil) {
        self.timing = timing
        self.rateLimit = rateLimit
    }

    /// The terminal state builds reach (`passed`, `failed`, …).
    public var outcome: String {
        get { state.withLock { $0.outcome } }
        set { state.withLock { $0.outcome = newValue } }
    }

    public var builds: [Build] { state.withLock { $0.builds.values.sorted { $0.number < $1.number } } }

    /// Sets a build's state, as a vendor-side change (someone cancelling it in the web UI, say).
    public func setState(_ number: Int, _ newState: String) {
        state.withLock { $0.builds[number]?.state = newState }
    }

    public func handle(_ request: FakeVendorServer.Request) -> FakeVendorServer.Response {
        guard let rateLimit else { return answer(request) }
        let decision = rateLimit.take()
        let headers = ["RateLimit-Limit": String(rateLimit.limit), "RateLimit-Remaining": String(decision.remaining),
                       "RateLimit-Reset": String(decision.resetInSeconds)]
        var response = decision.allowed
            ? answer(request)
            : .json(429, ["message": "You have exceeded your API rate limit. Please wait before making more requests."])
        response.headers.merge(headers) { _, limit in limit }
        return response
    }

    private func answer(_ request: FakeVendorServer.Request) -> FakeVendorServer.Response {
        guard request.headers["authorization"] == "Bearer \(Self.token)" else {
            return .json(401, ["message": "Authentication required. Please supply a valid API Access Token"])
        }
        let path = request.path
        guard path.count >= 6, path[0] == "v2", path[1] == "organizations", path[3] == "pipelines", path[5] == "builds" else {
            return .json(404, ["message": "Not Found"])
        }
        guard path[2] == Self.organization, path[4] == Self.pipeline else { return .json(404, ["message": "No pipeline found"]) }
        switch (request.method, path.count) {
        case ("POST", 6):
            return create(request)
        case ("GET", 6):
            let wanted = request.query["meta_data[buildrelay_request_id]"]
            let found = currentBuilds().filter { wanted == nil || $0.metaData["buildrelay_request_id"] == wanted }.reversed()
            let perPage = min(100, max(1, request.query["per_page"].flatMap { Int($0) } ?? 30))
            let page = max(1, request.query["page"].flatMap { Int($0) } ?? 1)
            let listed = Array(found.dropFirst((page - 1) * perPage).prefix(perPage))
            // A poll's listing moves each listed build on, as a `GET` of it would (a look-up by request id does not).
            if case .perLook = timing, wanted == nil { for build in listed { _ = advance(build.number) } }
            return .json(200, listed.map(\.json))
        case ("GET", 7):
            guard let number = Int(path[6]), let build = advance(number) else { return .json(404, ["message": "No build found"]) }
            return .json(200, build.json)
        case ("PUT", 8) where path[7] == "cancel":
            guard let number = Int(path[6]) else { return .json(404, ["message": "No build found"]) }
            return cancel(number)
        default:
            return .json(404, ["message": "Not Found"])
        }
    }

    private func create(_ request: FakeVendorServer.Request) -> FakeVendorServer.Response {
        guard let body = request.bodyJSON, let commit = body["commit"] as? String, let branch = body["branch"] as? String else {
            return .json(422, ["message": "Validation failed: Commit can't be blank, Branch can't be blank"])
        }
        let build = state.withLock { state in
            var build = Build(
                number: state.nextNumber, state: "scheduled", commit: commit, branch: branch, message: body["message"] as? String ?? "",
                env: body["env"] as? [String: String] ?? [:], metaData: body["meta_data"] as? [String: String] ?? [:])
            if case .clock(let queued, _) = timing {
                build.queued = queued
                build.runFor = timing.drawRunningTime()
            }
            state.builds[build.number] = build
            state.nextNumber += 1
            return build
        }
        return .json(201, build.json)
    }

    /// Every build, as of now.
    private func currentBuilds() -> [Build] {
        state.withLock { state in
            for number in state.builds.keys { moveOn(number, &state) }
            return state.builds.values.sorted { $0.number < $1.number }
        }
    }

    /// Moves a clock-driven build to where the clock says it is.
    private func moveOn(_ number: Int, _ state: inout State) {
        guard case .clock(let queued, _) = timing, var build = state.builds[number], !build.isFinished else { return }
        let age = ContinuousClock.now - build.createdAt
        switch build.state {
        case "scheduled" where age >= queued: build.state = "running"
        case "canceling": build.state = "canceled"
        default: break
        }
        if build.state == "running", age >= queued + build.runFor { build.state = state.outcome }
        if build.isFinished { build.finishedAt = .now }
        state.builds[number] = build
    }

    /// The build as a `GET` sees it, moved one state on (``Timing/perLook``) or as the clock says.
    private func advance(_ number: Int) -> Build? {
        state.withLock { state in
            if case .clock = timing {
                moveOn(number, &state)
                return state.builds[number]
            }
            guard var build = state.builds[number] else { return nil }
            let seen = build
            switch build.state {
            case "scheduled": build.state = "running"
            case "running": build.state = state.outcome
            case "canceling": build.state = "canceled"
            default: break
            }
            state.builds[number] = build
            return seen
        }
    }

    private func cancel(_ number: Int) -> FakeVendorServer.Response {
        state.withLock { state in
            guard var build = state.builds[number] else { return .json(404, ["message": "No build found"]) }
            guard !build.isFinished else { return .json(422, ["message": "Build can't be canceled because it's already finished"]) }
            build.state = "canceling"
            build.cancelRequested = true
            state.builds[number] = build
            return .json(200, build.json)
        }
    }

    // MARK: Webhooks

    /// Sends each build's `build.running` and `build.finished` webhooks, as Buildkite does, to `targets` in turn
    /// (every worker behind a load balancer), authenticated by `X-Buildkite-Token`, until cancelled. Returns the
    /// deliveries that were not answered 2xx.
    public func deliverWebhooks(to targets: [String], token: String, client: HTTPClient = .shared) async -> Int {
        var poster = WebhookPoster(targets: targets, client: client)
        while !Task.isCancelled {
            let due = state.withLock { state -> [(event: String, build: Build)] in
                var due: [(String, Build)] = []
                for number in state.builds.keys.sorted() {
                    moveOn(number, &state)
                    guard var build = state.builds[number], build.state != build.announced else { continue }
                    let event = build.isFinished ? "build.finished" : build.state == "running" ? "build.running" : nil
                    build.announced = build.state
                    state.builds[number] = build
                    if let event { due.append((event, build)) }
                }
                return due
            }
            for (event, build) in due {
                await poster.post(VendorWebhook.buildkite(
                    event: event, number: build.number, state: build.state, requestID: build.metaData["buildrelay_request_id"],
                    queue: build.metaData["buildrelay_queue"] ?? "", secret: token))
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return poster.failures
    }

}
