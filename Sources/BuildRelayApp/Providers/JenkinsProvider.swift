import BuildRelayCore
import BuildRelayProviders
import Logging

/// `provider: jenkins` and its `jenkins` block: builds of one job through Jenkins' remote access API.
public struct JenkinsProvider: ProviderRegistration {
    public static let name = "jenkins"
    public static let block: String? = "jenkins"
    public static let blockKeys: Set<String> = ["url", "job", "userEnv", "tokenEnv", "userFile", "tokenFile"]

    public var configuration: JenkinsConfiguration
    /// Where the user name and the API token are read from.
    public var user: SecretSource
    public var token: SecretSource

    public init(reading queue: QueueBlockReader) throws {
        guard let url = try queue.url("url") else { throw ConfigurationError(key: queue.fullKey("url"), "missing: the Jenkins root URL") }
        let job = try queue.required("job", "the job's full name (folders separated by /)")
        let user = try queue.credential("user")
        let token = try queue.credential("token")
        configuration = JenkinsConfiguration(
            url: url, job: job, user: user.secret, token: token.secret, credentialsSetting: "\(user.setting) and \(token.setting)",
            maxRequestsPerMinute: queue.requestsPerMinute, requestTimeout: queue.requestTimeout)
        self.user = user.source
        self.token = token.source
    }

    public var printedBlock: [String: any Sendable] {
        ["url": configuration.url, "job": configuration.job]
            .merging(user.printed(as: "user")) { $1 }
            .merging(token.printed(as: "token")) { $1 }
    }

    public func makeManager(logger: Logger) -> any BuildManager { JenkinsBuildManager(configuration: configuration, logger: logger) }

    public var webhookFormat: (any WebhookFormat)? { JenkinsWebhook() }
}
