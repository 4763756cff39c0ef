import BuildRelayCore
import BuildRelayProviders
import Logging

/// `provider: github-actions` and its `githubActions` block: runs of one workflow through GitHub's REST API.
public struct GitHubActionsProvider: ProviderRegistration {
    public static let name = "github-actions"
    public static let block: String? = "githubActions"
    public static let blockKeys: Set<String> = ["apiURL", "repository", "workflow", "ref", "tokenEnv", "tokenFile"]

    public var configuration: GitHubActionsConfiguration
    /// Where the token is read from.
    public var token: SecretSource

    public init(reading queue: QueueBlockReader) throws {
        let repository = try queue.required("repository", "the repository, as owner/repo")
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigurationError(key: queue.fullKey("repository"), "expected owner/repo, got \"\(repository)\"")
        }
        let workflow = try queue.required("workflow", "the workflow's file name (ci.yml) or id")
        let apiURL = try queue.url("apiURL") ?? "https://api.github.com"
        let token = try queue.credential("token")
        configuration = GitHubActionsConfiguration(
            apiURL: apiURL, repository: repository, workflow: workflow, ref: queue.text("ref") ?? "main",
            token: token.secret, tokenSetting: token.setting, maxRequestsPerMinute: queue.requestsPerMinute, requestTimeout: queue.requestTimeout)
        self.token = token.source
    }

    public var printedBlock: [String: any Sendable] {
        ["apiURL": configuration.apiURL, "repository": configuration.repository, "workflow": configuration.workflow, "ref": configuration.ref]
            .merging(token.printed(as: "token")) { $1 }
    }

    public func makeManager(logger: Logger) -> any BuildManager { GitHubActionsBuildManager(configuration: configuration, logger: logger) }

    public var webhookFormat: (any WebhookFormat)? { GitHubWebhook() }
}
