import BuildRelayCore
import Foundation
import Logging
import Synchronization

/// Builds with a Jenkins job through the remote access API.
///
/// - `trigger` first looks for an earlier trigger of the same request id, by its `BUILDRELAY_REQUEST_ID` parameter:
///   among the items waiting in the queue, then among the job's latest 100 builds; a retried trigger adopts what it
///   finds. Otherwise it posts the contract's `BUILDRELAY_*` parameters to `/job/{path}/buildWithParameters` and
///   keeps the queue item id from `Location` as the ``BuildID`` (`queue-<id>`): Jenkins numbers the build only once
///   it starts. When Jenkins merges the post into an identical item already waiting, it answers 303 with that
///   item's `Location`: the item is adopted.
/// - `status` reads the queue item until it names its build, then the build (`building`, `result`). Queue items
///   vanish about five minutes after leaving the queue, so a build first polled later (after a takeover, say) is
///   found among the job's builds by its `queueId`. The number found is remembered, as transient state only.
/// - `statuses(of:)` (batched polls) reads the job's latest builds in one request
///   (`/job/{path}/api/json?tree=builds[number,queueId,building,result,url]{0,100}`) and matches them by `queueId`,
///   then, for those not among them, the queue (`/queue/api/json?tree=items[id,why]`): two requests for any number
///   of builds. One in neither (cancelled in the queue, or older than the latest 100) is left to `status`.
/// - `cancel` is `POST /queue/cancelItem?id=` while queued and `POST /job/{path}/{n}/stop` while running; a finished
///   build makes it a no-op. A Pipeline build may ignore `stop`: a status read that finds it still running
///   ``JenkinsConfiguration/stopEscalationDelay`` after the `stop` sends `term`, and as long after that `kill`
///   (the escalation is transient state: after a takeover the worker's cancel starts it again).
/// - Authentication is the user and API token (HTTP basic); when Jenkins asks for a CSRF crumb, one is fetched
///   from `/crumbIssuer/api/json` and sent with the next posts.
public final class JenkinsBuildManager: BuildManager {
    public let configuration: JenkinsConfiguration
    private let http: VendorHTTPClient
    private let closed = ClosedState()
    private let crumb = Mutex<(name: String, value: String)?>(nil)
    /// Queue item id → build number, once known.
    private let buildNumbers = Mutex<[Int: Int]>([:])
    /// Running builds asked to stop, by number: the last request sent and when.
    private let stopping = Mutex<[Int: (request: StopRequest, sentAt: ContinuousClock.Instant)]>([:])

    /// Jenkins's ways of ending a running build, gentlest first.
    private enum StopRequest: String {
        case stop, term, kill

        var next: StopRequest? {
            switch self {
            case .stop: .term
            case .term: .kill
            case .kill: nil
            }
        }
    }

    /// A ``BuildID`` is `queue-<queue item id>`.
    static let queueItemPrefix = "queue-"

    /// What a 404 on the job means.
    private var jobNotFound: String { "no job \(configuration.job); check the queue's jenkins.job (folders separated by /)" }

    public init(configuration: JenkinsConfiguration, logger: Logger) {
        self.configuration = configuration
        self.http = VendorHTTPClient(settings: .init(
            vendor: "Jenkins", baseURL: configuration.url, credentials: .basic(user: configuration.user, token: configuration.token),
            credentialsSetting: configuration.credentialsSetting, requestsPerMinute: configuration.maxRequestsPerMinute,
            requestTimeout: configuration.requestTimeout), logger: logger)
    }

    /// A retried trigger looks the request's earlier build up first, which costs a request: a first attempt skips it.
    /// Polls falling due together are one read of the job's latest builds.
    public var capabilities: BuildManagerCapabilities { [.looksUpEarlierTriggers, .batchStatus] }

    public func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild {
        let (queue, changes, metadata, requestID) = (request.queue, request.changes, request.metadata, request.requestID)
        try closed.checkOpen()
        if request.mayHaveStarted, let item = try await earlierTrigger(of: requestID) { return TriggeredBuild(id: BuildID(Self.queueItemPrefix + String(item))) }
        let inputs = CIJobInputs(requestID: requestID, queue: queue, changes: changes, metadata: metadata)
        let parameters = inputs.variables.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        let request = VendorRequest(.POST, configuration.jobPath + ["buildWithParameters"], body: .form(parameters))
        let response = try await post(request)
        // 303: merged into an identical item already waiting, which `Location` names.
        guard [200, 201, 302, 303].contains(response.status) else {
            throw http.failure(response, for: request, notFound: jobNotFound)
        }
        guard let location = response.header("Location"), let item = Self.queueItemID(location) else {
            throw BuildError(code: .providerMalformedResponse, kind: .dependency, isRetryable: true,
                             message: "Jenkins answered \(request.summary) without a queue item in Location")
        }
        return TriggeredBuild(id: BuildID(Self.queueItemPrefix + String(item)))
    }

    public func status(_ build: BuildID) async throws -> BuildStatusReport {
        try closed.checkOpen()
        let item = try queueItemID(of: build)
        switch try await locate(item, build: build) {
        case .queued(let why):
            return BuildStatusReport(status: .accepted, metadata: why.map { ["jenkins.queue": $0] } ?? [:])
        case .cancelledInQueue:
            return BuildStatusReport(status: .cancelled, metadata: ["jenkins.queue": "cancelled"])
        case .started(let number):
            let found = try await jenkinsBuild(number)
            try await escalateStop(number, isFinished: found.status.isTerminal)
            return BuildStatusReport(status: found.status, metadata: found.metadata)
        }
    }

    public func statuses(of builds: [BuildID]) async throws -> [BuildID: BuildStatusReport] {
        try closed.checkOpen()
        var byItem: [Int: BuildID] = [:]
        for build in builds { if let item = try? queueItemID(of: build) { byItem[item] = build } }
        guard !byItem.isEmpty else { return [:] }
        var reports: [BuildID: BuildStatusReport] = [:]
        for found in try await latestBuilds(JenkinsBuild.self, tree: "number,queueId,building,result,url", count: Self.listedBuilds) {
            guard let item = found.queueId, let build = byItem.removeValue(forKey: item) else { continue }
            buildNumbers.withLock { $0[item] = found.number }
            try await escalateStop(found.number, isFinished: found.status.isTerminal)
            reports[build] = BuildStatusReport(status: found.status, metadata: found.metadata)
        }
        // Not among the builds: still waiting in the queue, most likely; one read of the queue says for all of them.
        guard !byItem.isEmpty else { return reports }
        struct Queue: Decodable { var items: [JenkinsQueueItem]? }
        let request = VendorRequest(.GET, ["queue", "api", "json"], query: [("tree", "items[id,why]")])
        let response = try await http.send(request)
        guard response.isSuccess else { throw http.failure(response, for: request) }
        for item in try http.decode(Queue.self, from: response, for: request).items ?? [] {
            guard let build = byItem[item.id] else { continue }
            reports[build] = BuildStatusReport(status: .accepted, metadata: item.why.map { ["jenkins.queue": $0] } ?? [:])
        }
        return reports
    }

    /// How many of the job's latest builds a batched poll reads.
    private static let listedBuilds = 100

    /// Sends the next, harder stop request to a build still running ``JenkinsConfiguration/stopEscalationDelay``
    /// after the last one; forgets a finished build.
    private func escalateStop(_ number: Int, isFinished: Bool) async throws {
        let next = stopping.withLock { stopping -> StopRequest? in
            guard let (last, sentAt) = stopping[number] else { return nil }
            guard !isFinished else {
                stopping[number] = nil
                return nil
            }
            guard ContinuousClock.now - sentAt >= configuration.stopEscalationDelay, let next = last.next else { return nil }
            stopping[number] = (next, .now)
            return next
        }
        guard let next else { return }
        try await sendStop(next, to: number)
    }

    private func sendStop(_ stop: StopRequest, to number: Int) async throws {
        let request = VendorRequest(.POST, configuration.jobPath + [String(number), stop.rawValue], isIdempotent: true)
        let response = try await post(request)
        // A redirect (302), or 200/204 in newer versions; 404: the build is gone.
        guard response.isSuccess || response.status == 302 || response.status == 404 else { throw http.failure(response, for: request) }
    }

    public func cancel(_ build: BuildID) async throws {
        try closed.checkOpen()
        let item = try queueItemID(of: build)
        let request: VendorRequest
        switch try await locate(item, build: build) {
        case .cancelledInQueue:
            return
        case .queued:
            request = VendorRequest(.POST, ["queue", "cancelItem"], query: [("id", String(item))], isIdempotent: true)
        case .started(let number):
            guard try await jenkinsBuild(number).status.isTerminal == false else { return }
            stopping.withLock { $0[number] = $0[number] ?? (.stop, .now) }
            try await sendStop(.stop, to: number)
            return
        }
        let response = try await post(request)
        // Jenkins answers both with a redirect (302) or, in newer versions, 204; 404: already gone from the queue.
        guard response.isSuccess || response.status == 302 || response.status == 404 else { throw http.failure(response, for: request) }
    }

    public func close() async throws {
        guard closed.closeOnce() else { return }
        await http.shutdown()
    }

    // MARK: Locating builds

    private enum Location {
        case queued(why: String?)
        case cancelledInQueue
        case started(number: Int)
    }

    private func locate(_ item: Int, build: BuildID) async throws -> Location {
        if let number = buildNumbers.withLock({ $0[item] }) { return .started(number: number) }
        let request = VendorRequest(.GET, ["queue", "item", String(item), "api", "json"])
        let response = try await http.send(request)
        if response.status == 404 {
            // The item left the queue more than a few minutes ago: find its build by queueId.
            guard let number = try await buildNumber(forQueueItem: item) else { throw BuildError.unknownBuild(build) }
            buildNumbers.withLock { $0[item] = number }
            return .started(number: number)
        }
        guard response.isSuccess else { throw http.failure(response, for: request) }
        let queued = try http.decode(JenkinsQueueItem.self, from: response, for: request)
        if let number = queued.executable?.number {
            buildNumbers.withLock { $0[item] = number }
            return .started(number: number)
        }
        return queued.cancelled == true ? .cancelledInQueue : .queued(why: queued.why)
    }

    /// The job's build started from queue item `item`, among its latest builds.
    private func buildNumber(forQueueItem item: Int) async throws -> Int? {
        try await latestBuilds(JobBuild.self, tree: "number,queueId", count: 200).first { $0.queueId == item }?.number
    }

    /// The queue item id of an earlier trigger of `requestID`: one still waiting in the queue, or one whose build
    /// started (then its number is remembered). The queue is read first, so an item that starts meanwhile is
    /// found among the builds.
    private func earlierTrigger(of requestID: RequestID) async throws -> Int? {
        struct Queue: Decodable {
            struct Item: Decodable {
                struct Task: Decodable { var url: String? }
                var id: Int
                var task: Task?
                var actions: JenkinsParameterActions?
            }
            var items: [Item]?
        }
        let queueRequest = VendorRequest(.GET, ["queue", "api", "json"], query: [("tree", "items[id,task[url],actions[parameters[name,value]]]")])
        let queueResponse = try await http.send(queueRequest)
        guard queueResponse.isSuccess else { throw http.failure(queueResponse, for: queueRequest) }
        let waiting = try http.decode(Queue.self, from: queueResponse, for: queueRequest).items ?? []
        if let item = waiting.first(where: { isThisJob($0.task?.url) && $0.actions?.value(of: CIJobInputs.requestIDVariable) == requestID.rawValue }) {
            return item.id
        }
        let started = try await latestBuilds(JobBuild.self, tree: "number,queueId,actions[parameters[name,value]]", count: 100)
            .first { $0.actions?.value(of: CIJobInputs.requestIDVariable) == requestID.rawValue }
        guard let started, let item = started.queueId else { return nil }
        buildNumbers.withLock { $0[item] = started.number }
        return item
    }

    private struct JobBuild: Decodable {
        var number: Int
        var queueId: Int?
        var actions: JenkinsParameterActions?
    }

    /// The job's latest `count` builds, newest first, with the fields `tree` names.
    private func latestBuilds<Entry: Decodable>(_ entry: Entry.Type, tree: String, count: Int) async throws -> [Entry] {
        let request = VendorRequest(.GET, configuration.jobPath + ["api", "json"], query: [("tree", "builds[\(tree)]{0,\(count)}")])
        let response = try await http.send(request)
        guard response.isSuccess else { throw http.failure(response, for: request, notFound: jobNotFound) }
        return try http.decode(JenkinsJob<Entry>.self, from: response, for: request).builds ?? []
    }

    /// Whether a queue item's task URL (`https://jenkins/job/a/job/b/`) is this queue's job.
    private func isThisJob(_ url: String?) -> Bool {
        guard let url, let components = URL(string: url)?.pathComponents.filter({ $0 != "/" }) else { return false }
        return components.suffix(configuration.jobPath.count).elementsEqual(configuration.jobPath)
    }

    private func jenkinsBuild(_ number: Int) async throws -> JenkinsBuild {
        let request = VendorRequest(.GET, configuration.jobPath + [String(number), "api", "json"])
        let response = try await http.send(request)
        guard response.isSuccess else { throw http.failure(response, for: request, notFound: "no build \(number) of job \(configuration.job)") }
        return try http.decode(JenkinsBuild.self, from: response, for: request)
    }

    private func queueItemID(of build: BuildID) throws -> Int {
        guard build.rawValue.hasPrefix(Self.queueItemPrefix), let item = Int(build.rawValue.dropFirst(Self.queueItemPrefix.count)), item > 0 else {
            throw BuildError.unknownBuild(build)
        }
        return item
    }

    /// `https://jenkins/queue/item/123/` → 123.
    static func queueItemID(_ location: String) -> Int? {
        let parts = location.split(separator: "/")
        guard let index = parts.lastIndex(of: "item"), index + 1 < parts.count else { return nil }
        return Int(parts[index + 1])
    }

    // MARK: Crumbs

    /// Posts `request` with the current crumb; when Jenkins refuses it for a missing or stale crumb, fetches one and
    /// posts again once.
    private func post(_ request: VendorRequest) async throws -> VendorResponse {
        let response = try await http.send(withCrumb(request))
        guard response.status == 403, String(decoding: response.body, as: UTF8.self).localizedCaseInsensitiveContains("crumb") else { return response }
        try await fetchCrumb()
        return try await http.send(withCrumb(request))
    }

    private func withCrumb(_ request: VendorRequest) -> VendorRequest {
        var request = request
        if let crumb = crumb.withLock({ $0 }) { request.headers.append(crumb) }
        return request
    }

    private func fetchCrumb() async throws {
        struct Crumb: Decodable {
            var crumb: String
            var crumbRequestField: String
        }
        let request = VendorRequest(.GET, ["crumbIssuer", "api", "json"])
        let response = try await http.send(request)
        guard response.isSuccess else { throw http.failure(response, for: request) }
        let issued = try http.decode(Crumb.self, from: response, for: request)
        crumb.withLock { $0 = (issued.crumbRequestField, issued.crumb) }
    }
}
