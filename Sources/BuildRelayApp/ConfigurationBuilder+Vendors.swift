import BuildRelayProviders
import Foundation

/// The vendor providers' blocks (`queues.<name>.buildkite`, …) and their credentials.
extension ConfigurationBuilder {
    /// A queue's limits on its provider's API: `maxRequestsPerMinute` and `requestTimeout`.
    struct VendorLimits {
        var requestsPerMinute: Int?
        var requestTimeout: Duration
    }

    func readBuildkite(prefix: String, limits: VendorLimits) throws -> ProviderSettings {
        let block = "\(prefix).buildkite"
        let organization = try required("\(block).organization", "the Buildkite organization slug")
        let pipeline = try required("\(block).pipeline", "the pipeline slug")
        let apiURL = try url("\(block).apiURL") ?? "https://api.buildkite.com/v2"
        let (token, source, setting) = try secret(block: block, name: "token")
        let configuration = BuildkiteConfiguration(
            apiURL: apiURL, organization: organization, pipeline: pipeline, branch: values.text("\(block).branch") ?? "main",
            token: token, tokenSetting: setting, maxRequestsPerMinute: limits.requestsPerMinute, requestTimeout: limits.requestTimeout)
        return .buildkite(configuration, token: source)
    }

    func readJenkins(prefix: String, limits: VendorLimits) throws -> ProviderSettings {
        let block = "\(prefix).jenkins"
        guard let url = try url("\(block).url") else { throw ConfigurationError(key: "\(block).url", "missing: the Jenkins root URL") }
        let job = try required("\(block).job", "the job's full name (folders separated by /)")
        let (user, userSource, userSetting) = try secret(block: block, name: "user")
        let (token, tokenSource, tokenSetting) = try secret(block: block, name: "token")
        let configuration = JenkinsConfiguration(
            url: url, job: job, user: user, token: token, credentialsSetting: "\(userSetting) and \(tokenSetting)",
            maxRequestsPerMinute: limits.requestsPerMinute, requestTimeout: limits.requestTimeout)
        return .jenkins(configuration, user: userSource, token: tokenSource)
    }

    func readGitHubActions(prefix: String, limits: VendorLimits) throws -> ProviderSettings {
        let block = "\(prefix).githubActions"
        let repository = try required("\(block).repository", "the repository, as owner/repo")
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigurationError(key: "\(block).repository", "expected owner/repo, got \"\(repository)\"")
        }
        let workflow = try required("\(block).workflow", "the workflow's file name (ci.yml) or id")
        let apiURL = try url("\(block).apiURL") ?? "https://api.github.com"
        let (token, source, setting) = try secret(block: block, name: "token")
        let configuration = GitHubActionsConfiguration(
            apiURL: apiURL, repository: repository, workflow: workflow, ref: values.text("\(block).ref") ?? "main",
            token: token, tokenSetting: setting, maxRequestsPerMinute: limits.requestsPerMinute, requestTimeout: limits.requestTimeout)
        return .githubActions(configuration, token: source)
    }

    private func required(_ key: String, _ what: String) throws -> String {
        guard let value = values.text(key), !value.isEmpty else { throw ConfigurationError(key: key, "missing: \(what)") }
        return value
    }

    private func url(_ key: String) throws -> String? {
        guard let value = values.text(key) else { return nil }
        guard let url = URL(string: value), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw ConfigurationError(key: key, "expected an http(s) URL, got \"\(value)\"")
        }
        return value
    }

    /// The credential `<name>Env` or `<name>File` points at; the third value names where it came from, for errors.
    private func secret(block: String, name: String) throws -> (Secret, SecretSource, String) {
        let environmentKey = "\(block).\(name)Env"
        let fileKey = "\(block).\(name)File"
        if let variable = values.text(environmentKey) {
            guard !variable.isEmpty else { throw ConfigurationError(key: environmentKey, "names no environment variable") }
            guard let value = environment[variable], !value.isEmpty else {
                throw ConfigurationError(key: environmentKey, "environment variable \(variable) is not set")
            }
            return (Secret(value), .environment(variable), "\(environmentKey) (\(variable))")
        }
        if let path = values.text(fileKey) {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(key: fileKey, "cannot read \(path)")
            }
            let value = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw ConfigurationError(key: fileKey, "\(path) is empty") }
            return (Secret(value), .file(path), "\(fileKey) (\(path))")
        }
        throw ConfigurationError(key: environmentKey, "missing: name the environment variable holding the \(name) (or a file, with \(name)File)")
    }
}
