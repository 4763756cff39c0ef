import BuildRelayCore
import BuildRelayFakes
import BuildRelayProviders
import Foundation
import Logging

// Managers wired to the fakes, for tests: each runs the body with a manager pointed at a running fake, and closes it.

extension FakeBuildkite {
    /// Runs `body` with a manager pointed at a new fake Buildkite; the manager is closed afterwards.
    public static func withManager(
        logger: Logger = testLogger(), token: String = FakeBuildkite.token, pipeline: String = FakeBuildkite.pipeline,
        requestTimeout: Duration = .seconds(30), _ body: (BuildkiteBuildManager, FakeBuildkite, FakeVendorServer) async throws -> Void
    ) async throws {
        let fake = FakeBuildkite()
        try await FakeVendorServer.run(pathPrefix: "/v2", handler: fake.handle) { server in
            let manager = BuildkiteBuildManager(configuration: BuildkiteConfiguration(
                apiURL: server.baseURL, organization: FakeBuildkite.organization, pipeline: pipeline, branch: "main",
                token: Secret(token), tokenSetting: "queues.main.buildkite.tokenEnv (BUILDKITE_TOKEN)", requestTimeout: requestTimeout), logger: logger)
            try await manager.closing { try await body($0, fake, server) }
        }
    }
}

extension FakeGitHub {
    /// Runs `body` with a manager pointed at a new fake GitHub; the manager is closed afterwards.
    public static func withManager(
        logger: Logger = testLogger(), runAppearanceTimeout: Duration = .seconds(600),
        _ body: (GitHubActionsBuildManager, FakeGitHub, FakeVendorServer) async throws -> Void
    ) async throws {
        let fake = FakeGitHub()
        try await FakeVendorServer.run(handler: fake.handle) { server in
            let manager = GitHubActionsBuildManager(configuration: GitHubActionsConfiguration(
                apiURL: server.baseURL, repository: FakeGitHub.repository, workflow: FakeGitHub.workflow, ref: "main",
                token: Secret(FakeGitHub.token), tokenSetting: "queues.gha.githubActions.tokenEnv (GITHUB_TOKEN)",
                runAppearanceTimeout: runAppearanceTimeout), logger: logger)
            try await manager.closing { try await body($0, fake, server) }
        }
    }
}

extension FakeJenkins {
    /// Runs `body` with a manager pointed at a new fake Jenkins; the manager is closed afterwards.
    public static func withManager(
        logger: Logger = testLogger(), job: String = FakeJenkins.job, stopEscalationDelay: Duration = .seconds(30),
        _ body: (JenkinsBuildManager, FakeJenkins, FakeVendorServer) async throws -> Void
    ) async throws {
        let fake = FakeJenkins()
        try await FakeVendorServer.run(handler: fake.handle) { server in
            let manager = JenkinsBuildManager(configuration: JenkinsConfiguration(
                url: server.baseURL, job: job, user: Secret(FakeJenkins.user), token: Secret(FakeJenkins.token),
                credentialsSetting: "queues.nightly.jenkins.userEnv and tokenEnv (JENKINS_USER, JENKINS_TOKEN)",
                stopEscalationDelay: stopEscalationDelay), logger: logger)
            try await manager.closing { try await body($0, fake, server) }
        }
    }
}
