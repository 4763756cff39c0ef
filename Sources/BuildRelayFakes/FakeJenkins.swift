import BuildRelayProviders
import Foundation
import Logging
import Synchronization

/// Jenkins's remote access API as documented, for one job (`api/nightly`, in folder `api`): `buildWithParameters`
/// (201 + `Location` of the queue item), the queue (waiting items with their task and parameters), queue items
/// (`executable` once started; 404 once expired), builds (`building`, `result`, `queueId`), the job's build list
/// (newest first, with each build's parameters), `queue/cancelItem` and `stop` (302), and the crumb issuer. 401 without the user's API token; with ``requireCrumb``, a post without the crumb gets Jenkins's 403.
/// `GET`s move things on: an item waits for one look and has started its build at the next; a building build ends
/// with ``outcome`` after one look.
public final class FakeJenkins: Sendable {
    public static let user = "relay-bot"
    public static let token = "11d7e3a0jenkins4c2b9token"
    public static let job = "api/nightly"
    public static let crumb = "3f0c6a-crumb"

    public struct QueueItem: Sendable {
        public var id: Int
        public var parameters: [String: String]
        public var cancelled = false
        public var buildNumber: Int?
        var looks = 0
    }

    public struct Build: Sendable {
        public var number: Int
        public var queueID: Int
        public var building = true
        public var result: String?
        public var stopped = false
        /// The stop requests it got (`stop`, `term`, `kill`), in order.
        public var stopRequests: [String] = []
    }

    private struct State {
        var items: [Int: QueueItem] = [:]
        var builds: [Int: Build] = [:]
        var nextItem = 100
        var nextBuild = 1
        var itemsExpired = false
        var requireCrumb = false
        var outcome: String? = "SUCCESS"
        var ignoredStops = 0
    }

    private let state = Mutex(State())
    private let baseURL: Mutex<String> = Mutex("")

    public init() {}

    /// The result builds end with; `nil` keeps them building.
    public var outcome: String? {
        get { state.withLock { $0.outcome } }
        set { state.withLock { $0.outcome = newValue } }
    }

    public var requireCrumb: Bool {
        get { state.withLock { $0.requireCrumb } }
        set { state.withLock { $0.requireCrumb = newValue } }
    }

    /// How many of a running build's stop requests (`stop`, then `term`, then `kill`) it ignores before it ends, as
    /// a Pipeline build busy in a step may; 0 ends it at `stop`.
    public var ignoredStops: Int {
        get { state.withLock { $0.ignoredStops } }
        set { state.withLock { $0.ignoredStops = newValue } }
    }

    public var items: [QueueItem] { state.withLock { $0.items.values.sorted { $0.id < $1.id } } }
    public var builds: [Build] { state.withLock { $0.builds.values.sorted { $0.number < $1.number } } }

    /// Queue items are forgotten from now on (Jenkins drops them about five minutes after they leave the queue).
    public func expireQueueItems() { state.withLock { $0.itemsExpired = true } }

    /// Starts the build of every waiting item, as an executor freeing up would.
    public func startWaitingBuilds() {
        state.withLock { state in
            for id in state.items.keys where state.items[id]?.buildNumber == nil && state.items[id]?.cancelled == false { Self.start(id, &state) }
        }
    }

    public func handle(_ request: FakeVendorServer.Request) -> FakeVendorServer.Response {
        let expected = "Basic " + Data("\(Self.user):\(Self.token)".utf8).base64EncodedString()
        guard request.headers["authorization"] == expected else {
            return FakeVendorServer.Response(status: 401, headers: ["WWW-Authenticate": "Basic realm=\"Jenkins\""], body: Array("Unauthorized".utf8))
        }
        let path = request.path
        if path == ["crumbIssuer", "api", "json"] {
            return .json(200, ["_class": "hudson.security.csrf.DefaultCrumbIssuer", "crumb": Self.crumb, "crumbRequestField": "Jenkins-Crumb"])
        }
        if request.method == "POST", requireCrumb, request.headers["jenkins-crumb"] != Self.crumb {
            return FakeVendorServer.Response(status: 403, headers: ["Content-Type": "text/html"], body: Array("<html><body>Error 403 No valid crumb was included in the request</body></html>".utf8))
        }
        let jobPath = ["job", "api", "job", "nightly"]
        switch (request.method, path) {
        case ("POST", ["queue", "cancelItem"]):
            return cancelItem(Int(request.query["id"] ?? ""))
        case ("GET", ["queue", "api", "json"]):
            return waitingItems(tree: request.query["tree"] ?? "")
        case ("GET", let path) where path.count == 5 && path[0] == "queue" && path[1] == "item":
            return queueItem(Int(path[2]))
        case (_, let path) where path.starts(with: ["job"]) && !path.starts(with: jobPath):
            return FakeVendorServer.Response(status: 404, body: Array("Not Found".utf8))
        case ("POST", jobPath + ["buildWithParameters"]):
            return enqueue(request)
        case ("GET", jobPath + ["api", "json"]):
            return jobBuilds(tree: request.query["tree"] ?? "")
        case ("GET", let path) where path.count == 7 && path.starts(with: jobPath) && path[5...] == ["api", "json"]:
            return build(Int(path[4]))
        case ("POST", let path) where path.count == 6 && path.starts(with: jobPath) && ["stop", "term", "kill"].contains(path[5]):
            return stop(Int(path[4]), with: path[5])
        default:
            return FakeVendorServer.Response(status: 404, body: Array("Not Found".utf8))
        }
    }

    /// The job's builds, newest first, limited by the `{from,to}` range of `tree` (as `builds[…]{0,100}` asks); a
    /// poll's listing (one that asks for `building`) moves each listed build on, as a `GET` of it would.
    private func jobBuilds(tree: String) -> FakeVendorServer.Response {
        let range = tree.firstMatch(of: /\{(\d+),(\d+)\}/).flatMap { match in Int(match.1).flatMap { from in Int(match.2).map { from..<max(from, $0) } } }
        let listed = state.withLock { state -> [[String: Any]] in
            let parameters = Dictionary(uniqueKeysWithValues: state.items.values.map { ($0.id, $0.parameters) })
            let newestFirst = state.builds.values.sorted { $0.number > $1.number }
            let chosen = range.map { Array(newestFirst.dropFirst($0.lowerBound).prefix($0.count)) } ?? newestFirst
            return chosen.map { build in
                let json: [String: Any] = [
                    "_class": "hudson.model.FreeStyleBuild", "number": build.number, "queueId": build.queueID, "building": build.building,
                    "result": build.result ?? NSNull(), "url": "http://jenkins.invalid/job/api/job/nightly/\(build.number)/",
                    "actions": Self.actions(parameters[build.queueID] ?? [:]),
                ]
                if tree.contains("building"), build.building, let outcome = state.outcome {
                    state.builds[build.number]?.building = false
                    state.builds[build.number]?.result = outcome
                }
                return json
            }
        }
        return .json(200, ["_class": "hudson.model.FreeStyleProject", "builds": listed])
    }

    /// A new queue item (201), or, when an item with the same parameters is still waiting, Jenkins's merge into it:
    /// 303 with that item's `Location`.
    private func enqueue(_ request: FakeVendorServer.Request) -> FakeVendorServer.Response {
        let parameters = request.form
        let (id, merged) = state.withLock { state in
            if let waiting = state.items.values.first(where: { $0.parameters == parameters && $0.buildNumber == nil && !$0.cancelled }) {
                return (waiting.id, true)
            }
            let id = state.nextItem
            state.nextItem += 1
            state.items[id] = QueueItem(id: id, parameters: parameters)
            return (id, false)
        }
        return FakeVendorServer.Response(status: merged ? 303 : 201, headers: ["Location": "http://jenkins.invalid/queue/item/\(id)/"])
    }

    /// `/queue/api/json`: the items still waiting, as Jenkins lists them (started and cancelled ones have left).
    /// A poll's listing (one that asks for `why`) is a look at each item, as a `GET` of it is.
    private func waitingItems(tree: String) -> FakeVendorServer.Response {
        let waiting = state.withLock { state -> [[String: Any]] in
            let waiting = state.items.values.filter { $0.buildNumber == nil && !$0.cancelled }.sorted { $0.id < $1.id }
            if tree.contains("why") {
                for item in waiting {
                    state.items[item.id]?.looks += 1
                    if state.items[item.id]?.looks ?? 0 >= 2 { Self.start(item.id, &state) }
                }
            }
            return waiting.map { item in
                [
                    "_class": "hudson.model.Queue$WaitingItem", "id": item.id, "actions": Self.actions(item.parameters),
                    "why": "Waiting for next available executor",
                    "task": ["_class": "hudson.model.FreeStyleProject", "name": "nightly", "url": "http://jenkins.invalid/job/api/job/nightly/"],
                ]
            }
        }
        return .json(200, ["_class": "hudson.model.Queue", "items": waiting])
    }

    /// Jenkins's `actions` array for a build or item started with `parameters`, with an action of another kind.
    private static func actions(_ parameters: [String: String]) -> [[String: Any]] {
        let values = parameters.sorted { $0.key < $1.key }.map { ["_class": "hudson.model.StringParameterValue", "name": $0.key, "value": $0.value] }
        return [["_class": "hudson.model.ParametersAction", "parameters": values], ["_class": "hudson.model.CauseAction"]]
    }

    private func queueItem(_ id: Int?) -> FakeVendorServer.Response {
        state.withLock { state in
            guard let id, state.items[id] != nil, !state.itemsExpired else { return FakeVendorServer.Response(status: 404, body: Array("Not Found".utf8)) }
            state.items[id]?.looks += 1
            if state.items[id]?.looks ?? 0 >= 2, state.items[id]?.buildNumber == nil, state.items[id]?.cancelled == false { Self.start(id, &state) }
            let item = state.items[id]!
            var json: [String: Any] = ["_class": "hudson.model.Queue$WaitingItem", "id": id, "cancelled": item.cancelled]
            if let number = item.buildNumber {
                json["executable"] = ["number": number, "url": "http://jenkins.invalid/job/api/job/nightly/\(number)/"]
                json["_class"] = "hudson.model.Queue$LeftItem"
            } else if !item.cancelled {
                json["why"] = "Waiting for next available executor"
            }
            return .json(200, json)
        }
    }

    private static func start(_ id: Int, _ state: inout State) {
        let number = state.nextBuild
        state.nextBuild += 1
        state.items[id]?.buildNumber = number
        state.builds[number] = Build(number: number, queueID: id)
    }

    private func build(_ number: Int?) -> FakeVendorServer.Response {
        state.withLock { state in
            guard let number, let build = state.builds[number] else { return FakeVendorServer.Response(status: 404, body: Array("Not Found".utf8)) }
            let json: [String: Any] = [
                "_class": "hudson.model.FreeStyleBuild", "number": number, "building": build.building, "result": build.result ?? NSNull(),
                "queueId": build.queueID, "url": "http://jenkins.invalid/job/api/job/nightly/\(number)/",
            ]
            if build.building, let outcome = state.outcome {
                state.builds[number]?.building = false
                state.builds[number]?.result = outcome
            }
            return .json(200, json)
        }
    }

    private func cancelItem(_ id: Int?) -> FakeVendorServer.Response {
        state.withLock { state in
            guard let id, let item = state.items[id], item.buildNumber == nil else { return FakeVendorServer.Response(status: 404, body: Array("Not Found".utf8)) }
            state.items[id]?.cancelled = true
            return FakeVendorServer.Response(status: 302, headers: ["Location": "http://jenkins.invalid/queue/"])
        }
    }

    private func stop(_ number: Int?, with request: String) -> FakeVendorServer.Response {
        state.withLock { state in
            guard let number, state.builds[number] != nil else { return FakeVendorServer.Response(status: 404, body: Array("Not Found".utf8)) }
            state.builds[number]?.stopRequests.append(request)
            if state.builds[number]?.building == true, state.builds[number]!.stopRequests.count > state.ignoredStops {
                state.builds[number]?.building = false
                state.builds[number]?.result = "ABORTED"
                state.builds[number]?.stopped = true
            }
            return FakeVendorServer.Response(status: 302, headers: ["Location": "http://jenkins.invalid/job/api/job/nightly/\(number)/"])
        }
    }
}
