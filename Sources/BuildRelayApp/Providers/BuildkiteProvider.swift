import BuildRelayCore
import BuildRelayProviders
import Logging

/// `provider: buildkite` and its `buildkite` block: builds of one pipeline through Buildkite's REST API.
public struct BuildkiteProvider: ProviderRegistration {
    public static let name = "buildkite"
    public static let block: String? = "buildkite"
    public static let blockKeys: Set<String> = ["apiURL", "organization", "pipeline", "branch", "tokenEnv", "tokenFile"]

    public var configuration: BuildkiteConfiguration
    /// Where the API token is read from.
    public var token: SecretSource

    public init(reading queue: QueueBlockReader) throws {
        let organization = try queue.required("organization", "the Buildkite organization slug")
        let pipeline = try queue.required("pipeline", "the pipeline slug")
        let apiURL = try queue.url("apiURL") ?? "https://api.buildkite.com/v2"
        let token = try queue.credential("token")
        configuration = BuildkiteConfiguration(
            apiURL: apiURL, organization: organization, pipeline: pipeline, branch: queue.text("branch") ?? "main",
            token: token.secret, tokenSetting: token.setting, maxRequestsPerMinute: queue.requestsPerMinute, requestTimeout: queue.requestTimeout)
        self.token = token.source
    }

    public var printedBlock: [String: any Sendable] {
        ["apiURL": configuration.apiURL, "organization": configuration.organization, "pipeline": configuration.pipeline, "branch": configuration.branch]
            .merging(token.printed(as: "token")) { $1 }
    }

    public func makeManager(logger: Logger) -> any BuildManager { BuildkiteBuildManager(configuration: configuration, logger: logger) }

    public var webhookFormat: (any WebhookFormat)? { BuildkiteWebhook() }
}
