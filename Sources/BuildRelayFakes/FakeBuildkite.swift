import BuildRelayProviders
import Foundation
import Logging
import Synchronization

/// Buildkite's REST API v2 as documented, for one organisation and pipeline: create (201), list with a `meta_data`
/// filter, get (`exclude_jobs`), cancel (200, or 422 for a finished build); 401 without the bearer token, 404 for
/// another pipeline or an unknown build. Each `GET` of a build moves it one state on (`scheduled` → `running` →
/// ``outcome``; a cancelled one `canceling` → `canceled`), so polling reaches a terminal state.
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

        public var json: [String: Any] {
            ["id": "0190-\(number)", "number": number, "state": state, "commit": commit, "branch": branch, "message": message,
             "env": env, "meta_data": metaData,
             "web_url": "https://buildkite.com/\(FakeBuildkite.organization)/\(FakeBuildkite.pipeline)/builds/\(number)",
             "url": "https://api.buildkite.com/v2/organizations/acme/pipelines/api-ci/builds/\(number)"]
        }

        public var isFinished: Bool { ["passed", "failed", "canceled", "skipped", "not_run"].contains(state) }
    }

    private struct State {
        var builds: [Int: Build] = [:]
        var nextNumber = 1
        var outcome = "passed"
    }

    private let state = Mutex(State())

    public init() {}

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
            let found = builds.filter { wanted == nil || $0.metaData["buildrelay_request_id"] == wanted }.reversed().map(\.json)
            return .json(200, Array(found))
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
            let build = Build(
                number: state.nextNumber, state: "scheduled", commit: commit, branch: branch, message: body["message"] as? String ?? "",
                env: body["env"] as? [String: String] ?? [:], metaData: body["meta_data"] as? [String: String] ?? [:])
            state.builds[build.number] = build
            state.nextNumber += 1
            return build
        }
        return .json(201, build.json)
    }

    /// The build as a `GET` sees it, moved one state on.
    private func advance(_ number: Int) -> Build? {
        state.withLock { state in
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
}
