/// The providers this build of BuildRelay knows, by their configuration name.
public enum ProviderRegistry {
    public static let all: [any ProviderRegistration.Type] = [
        NoopProvider.self, SimulatedProvider.self, ProcessProvider.self,
        BuildkiteProvider.self, JenkinsProvider.self, GitHubActionsProvider.self,
    ]

    static func provider(named name: String) -> (any ProviderRegistration.Type)? {
        all.first { $0.name == name }
    }

    static var names: [String] { all.map { $0.name }.sorted() }

    /// Every provider's block name (`simulated`, `githubActions`, …).
    static var blocks: Set<String> { Set(all.compactMap { $0.block }) }

    /// Every key a block may hold, as `<block>.<key>`.
    static var blockKeys: Set<String> {
        Set(all.flatMap { provider in provider.block.map { block in provider.blockKeys.map { "\(block).\($0)" } } ?? [] })
    }

    /// The block keys that hold lists, as `<block>.<key>`.
    static var blockListKeys: Set<String> {
        Set(all.flatMap { provider in provider.block.map { block in provider.listKeys.map { "\(block).\($0)" } } ?? [] })
    }
}
