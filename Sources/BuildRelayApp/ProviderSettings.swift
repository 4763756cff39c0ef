import BuildRelayProviders

/// Which provider runs a queue's builds, with its settings (`queues.<name>.provider` and its block).
public enum ProviderSettings: Sendable, Hashable {
    case noop
    case simulated(SimulatedBuildConfiguration)
    case process(ProcessBuildConfiguration)
    case buildkite(BuildkiteConfiguration, token: SecretSource)
    case jenkins(JenkinsConfiguration, user: SecretSource, token: SecretSource)
    case githubActions(GitHubActionsConfiguration, token: SecretSource)

    /// The configuration name (`queues.<name>.provider`).
    public var name: String {
        switch self {
        case .noop: "noop"
        case .simulated: "simulated"
        case .process: "process"
        case .buildkite: "buildkite"
        case .jenkins: "jenkins"
        case .githubActions: "github-actions"
        }
    }

    /// Provider names the contract defines.
    static let contractNames: Set<String> = ["noop", "simulated", "process", "buildkite", "jenkins", "github-actions"]
}
