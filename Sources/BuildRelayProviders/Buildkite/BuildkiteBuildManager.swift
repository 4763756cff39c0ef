import BuildRelayCore
import Foundation
import Logging

/// Builds on a Buildkite pipeline through the REST API (v2).
///
/// - `trigger` first looks the request id up (`GET …/builds?meta_data[buildrelay_request_id]=…`), so a retried trigger
///   returns the build the first attempt created; otherwise it creates one (`POST …/builds`) on the configured
///   branch at the last change's revision (or `HEAD`), with the contract's `BUILDRELAY_*` variables in `env` and
///   `buildrelay_request_id` in `meta_data`.
/// - `status` reads `GET …/builds/{number}?exclude_jobs=true`; `url` in the metadata is the build's page.
/// - `cancel` is `PUT …/builds/{number}/cancel`; Buildkite's 422 for a finished build makes it a no-op.
///
/// The ``BuildID`` is the build number: any worker configured for the same pipeline can poll it.
public final class BuildkiteBuildManager: BuildManager {
    public let configuration: BuildkiteConfiguration
    private let http: VendorHTTPClient
    private let closed = ClosedState()

    public init(configuration: BuildkiteConfiguration, logger: Logger) {
        self.configuration = configuration
        self.http = VendorHTTPClient(settings: .init(
            vendor: "Buildkite", baseURL: configuration.apiURL, credentials: .bearer(configuration.token),
            credentialsSetting: configuration.tokenSetting, requestsPerMinute: configuration.maxRequestsPerMinute,
            requestTimeout: configuration.requestTimeout), logger: logger)
    }

    /// A retried trigger looks the request's earlier build up first, which costs a request: a first attempt skips it.
    /// Polls of many builds are read from the pipeline's builds list.
    public var capabilities: BuildManagerCapabilities { [.looksUpEarlierTriggers, .batchStatus] }

    private var buildsPath: [String] { ["organizations", configuration.organization, "pipelines", configuration.pipeline, "builds"] }

    /// What a 404 on the pipeline's builds means.
    private var pipelineNotFound: String {
        "no pipeline \(configuration.organization)/\(configuration.pipeline); check the queue's buildkite.organization and buildkite.pipeline"
    }

    public func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild {
        let (queue, changes, metadata, requestID) = (request.queue, request.changes, request.metadata, request.requestID)
        try closed.checkOpen()
        if request.mayHaveStarted, let existing = try await build(for: requestID) { return TriggeredBuild(id: BuildID(String(existing.number)), status: existing.status) }
        let inputs = CIJobInputs(requestID: requestID, queue: queue, changes: changes, metadata: metadata)
        let body: [String: Any] = [
            "commit": inputs.revision, "branch": configuration.branch, "message": inputs.title,
            "env": inputs.variables, "meta_data": [CIJobInputs.requestIDMetadataKey: requestID.rawValue, CIJobInputs.queueMetadataKey: queue],
        ]
        let request = VendorRequest(.POST, buildsPath, body: .json(Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))))
        let response = try await http.send(request)
        guard response.status == 201 || response.status == 200 else {
            throw http.failure(response, for: request, notFound: pipelineNotFound)
        }
        let created = try http.decode(BuildkiteBuild.self, from: response, for: request)
        return TriggeredBuild(id: BuildID(String(created.number)), status: created.status)
    }

    public func status(_ build: BuildID) async throws -> BuildStatusReport {
        try closed.checkOpen()
        let request = VendorRequest(.GET, buildsPath + [try number(of: build)], query: [("exclude_jobs", "true")])
        let response = try await http.send(request)
        if response.status == 404 { throw BuildError.unknownBuild(build) }
        guard response.isSuccess else { throw http.failure(response, for: request) }
        let found = try http.decode(BuildkiteBuild.self, from: response, for: request)
        return BuildStatusReport(status: found.status, metadata: found.metadata)
    }

    /// The pipeline's builds newest first, a page of 100 at a time, until every build asked for was listed or the
    /// list went below the oldest of them (at most ``maximumListPages`` pages): a few requests for hundreds of builds.
    public func statuses(of builds: [BuildID]) async throws -> [BuildID: BuildStatusReport] {
        try closed.checkOpen()
        let wanted = Set(builds.compactMap { Int($0.rawValue) })
        guard let oldest = wanted.min() else { return [:] }
        var reports: [BuildID: BuildStatusReport] = [:]
        for page in 1...Self.maximumListPages {
            let request = VendorRequest(.GET, buildsPath, query: [
                ("per_page", String(Self.listPageSize)), ("page", String(page)), ("exclude_jobs", "true"),
            ])
            let response = try await http.send(request)
            guard response.isSuccess else { throw http.failure(response, for: request, notFound: pipelineNotFound) }
            let listed = try http.decode([BuildkiteBuild].self, from: response, for: request)
            for build in listed where wanted.contains(build.number) {
                reports[BuildID(String(build.number))] = BuildStatusReport(status: build.status, metadata: build.metadata)
            }
            if listed.count < Self.listPageSize || reports.count == wanted.count || (listed.last?.number ?? 0) <= oldest { break }
        }
        return reports
    }

    /// Buildkite's largest page, and how many a batched read follows.
    private static let listPageSize = 100
    private static let maximumListPages = 10

    public func cancel(_ build: BuildID) async throws {
        try closed.checkOpen()
        let request = VendorRequest(.PUT, buildsPath + [try number(of: build), "cancel"], isIdempotent: true)
        let response = try await http.send(request)
        switch response.status {
        case 200..<300, 422: return  // 422: the build already finished
        case 404: throw BuildError.unknownBuild(build)
        default: throw http.failure(response, for: request)
        }
    }

    public func close() async throws {
        guard closed.closeOnce() else { return }
        await http.shutdown()
    }

    /// The newest build this request id created, if any.
    private func build(for requestID: RequestID) async throws -> BuildkiteBuild? {
        let request = VendorRequest(.GET, buildsPath, query: [("meta_data[\(CIJobInputs.requestIDMetadataKey)]", requestID.rawValue), ("exclude_jobs", "true")])
        let response = try await http.send(request)
        guard response.isSuccess else {
            throw http.failure(response, for: request, notFound: pipelineNotFound)
        }
        return try http.decode([BuildkiteBuild].self, from: response, for: request).max { $0.number < $1.number }
    }

    private func number(of build: BuildID) throws -> String {
        guard let number = Int(build.rawValue), number > 0 else { throw BuildError.unknownBuild(build) }
        return String(number)
    }
}
