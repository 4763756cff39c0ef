import BuildRelayApp
import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import BuildRelayWorker
import Foundation
import InMemoryLogging
import Logging
import Testing

/// The worker driving vendor providers against their fake servers: commands in, the full transition sequence out.
@Suite(.timeLimit(.minutes(2)))
struct VendorProviderWorkerTests {
    @Test("Buildkite: a trigger streams accepted, running, succeeded with the build's page; a cancel ends cancelled; a cancel in Buildkite's UI ends failed (dependency)")
    func buildkiteQueue() async throws {
        let fake = FakeBuildkite()
        try await FakeVendorServer.run(pathPrefix: "/v2", handler: fake.handle) { server in
            let harness = try WorkerHarness()
            let manager = BuildkiteBuildManager(configuration: BuildkiteConfiguration(
                apiURL: server.baseURL, organization: FakeBuildkite.organization, pipeline: FakeBuildkite.pipeline,
                token: Secret(FakeBuildkite.token)), logger: testLogger("buildkite"))
            let queue = BuildQueue(name: "bk", provider: "buildkite", manager: manager, pollIntervals: WorkerHarness.fastPolling)
            let reader = try harness.startReader()
            let worker = try harness.startWorker(harness.configuration(queues: [queue]))
            try await worker.waitUntilReady()

            let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            try await harness.trigger("bk-ok", queue: "bk", metadata: ["author": "kim"], traceparent: traceparent)
            let events = try await reader.waitForTerminal("bk-ok")
            // The command's trace is carried on every event and continued into every call to Buildkite.
            #expect(events.allSatisfy { $0.headers.first { $0.name == "traceparent" }?.value == Array(traceparent.utf8) })
            let sent = server.requests.compactMap { $0.headers["traceparent"] }
            #expect(sent.count == server.requests.count)
            #expect(sent.allSatisfy { $0.hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-") && !$0.contains("00f067aa0ba902b7") })
            #expect(events.map(\.status) == ["accepted", "running", "succeeded"])
            #expect(events.map(\.sequence) == [1, 2, 3])
            #expect(events.first?.buildID == "1")
            // A first attempt, recorded before it is made, is one request: the create, without the look-up by request id.
            let triggerRequests = server.requests.filter { $0.method == "POST" || $0.query.keys.contains("meta_data[buildrelay_request_id]") }
            #expect(triggerRequests.map(\.method) == ["POST"], "\(triggerRequests)")
            #expect(events.last?.metadata["url"] == "https://buildkite.com/acme/api-ci/builds/1")
            #expect(events.last?.metadata["author"] == "kim")

            fake.outcome = "running"  // builds now stay running until something ends them
            try await harness.trigger("bk-cancel", queue: "bk")
            try await reader.waitForStatus("bk-cancel", "running")
            try await harness.cancel("bk-cancel")
            #expect(try await reader.waitForTerminal("bk-cancel").last?.status == "cancelled")
            #expect(fake.builds.first { $0.metaData["buildrelay_request_id"] == "bk-cancel" }?.cancelRequested == true)

            try await harness.trigger("bk-ui", queue: "bk")
            try await reader.waitForStatus("bk-ui", "running")
            let number = try #require(fake.builds.first { $0.metaData["buildrelay_request_id"] == "bk-ui" }?.number)
            fake.setState(number, "canceled")
            let outside = try await reader.waitForTerminal("bk-ui")
            #expect(outside.last?.status == "failed")
            #expect(outside.last?.errorKind == "dependency")

            #expect(fake.builds.count == 3)
            await worker.stop()
            await reader.close()
        }
    }

    @Test("Jenkins: a trigger streams accepted, running, succeeded with the build's page; a cancel of a running build ends cancelled")
    func jenkinsQueue() async throws {
        let fake = FakeJenkins()
        try await FakeVendorServer.run(handler: fake.handle) { server in
            let harness = try WorkerHarness()
            let manager = JenkinsBuildManager(configuration: JenkinsConfiguration(
                url: server.baseURL, job: FakeJenkins.job, user: Secret(FakeJenkins.user), token: Secret(FakeJenkins.token)), logger: testLogger("jenkins"))
            let queue = BuildQueue(name: "nightly", provider: "jenkins", manager: manager, pollIntervals: WorkerHarness.fastPolling)
            let reader = try harness.startReader()
            let worker = try harness.startWorker(harness.configuration(queues: [queue]))
            try await worker.waitUntilReady()

            try await harness.trigger("jk-ok", queue: "nightly")
            let events = try await reader.waitForTerminal("jk-ok")
            #expect(events.map(\.status) == ["accepted", "running", "succeeded"])
            #expect(events.first?.buildID == "queue-100")
            #expect(events.last?.metadata["url"] == "http://jenkins.invalid/job/api/job/nightly/1/")

            fake.outcome = nil
            try await harness.trigger("jk-cancel", queue: "nightly")
            try await reader.waitForStatus("jk-cancel", "running")
            try await harness.cancel("jk-cancel")
            #expect(try await reader.waitForTerminal("jk-cancel").last?.status == "cancelled")
            #expect(fake.builds.last?.stopped == true)
            await worker.stop()
            await reader.close()
        }
    }

    @Test("GitHub Actions: a dispatch whose run appears late streams accepted, running, succeeded with the run's page")
    func githubActionsQueue() async throws {
        let fake = FakeGitHub()
        fake.dispatchDetails = .ignored  // a server that does not return the run's id: it is found by its name
        fake.listsBeforeRunAppears = 2
        try await FakeVendorServer.run(handler: fake.handle) { server in
            let harness = try WorkerHarness()
            let manager = GitHubActionsBuildManager(configuration: GitHubActionsConfiguration(
                apiURL: server.baseURL, repository: FakeGitHub.repository, workflow: FakeGitHub.workflow, token: Secret(FakeGitHub.token)),
                logger: testLogger("github"))
            let queue = BuildQueue(name: "gha", provider: "github-actions", manager: manager, pollIntervals: WorkerHarness.fastPolling)
            let reader = try harness.startReader()
            let worker = try harness.startWorker(harness.configuration(queues: [queue]))
            try await worker.waitUntilReady()

            try await harness.trigger("gh-ok", queue: "gha")
            let events = try await reader.waitForTerminal("gh-ok")
            #expect(events.map(\.status) == ["accepted", "running", "succeeded"])
            #expect(events.first?.buildID?.hasPrefix("dispatch-") == true)
            #expect(events.last?.metadata["url"] == "https://github.com/acme/api/actions/runs/9001")
            #expect(fake.runs.count == 1)
            await worker.stop()
            await reader.close()
        }
    }

    @Test("no vendor token appears in any log line (trace level), event, state record or metric, even when the vendors echo them in errors")
    func tokensNeverLeak() async throws {
        let registry = PrometheusMetrics.bootstrap()  // before the worker, so its metrics reach the registry
        var handler = InMemoryLogHandler()
        handler.metadataProvider = .providerCall
        var logger = Logger(label: "leak-check") { [handler] _ in handler }
        logger.logLevel = .trace
        let buildkite = FakeBuildkite()
        let jenkins = FakeJenkins()
        let github = FakeGitHub()
        let tokens = [FakeBuildkite.token, FakeJenkins.token, FakeGitHub.token, Data("\(FakeJenkins.user):\(FakeJenkins.token)".utf8).base64EncodedString()]
        try await FakeVendorServer.run(pathPrefix: "/v2", handler: buildkite.handle) { buildkiteServer in
            try await FakeVendorServer.run(handler: jenkins.handle) { jenkinsServer in
                try await FakeVendorServer.run(handler: github.handle) { githubServer in
                    for (server, token) in [(buildkiteServer, FakeBuildkite.token), (jenkinsServer, FakeJenkins.token), (githubServer, FakeGitHub.token)] {
                        server.inject(.respond(.json(502, ["message": "proxy error for Bearer \(token)"])), times: 5, when: { $0.method == "GET" })
                    }
                    let queues = [
                        BuildQueue(name: "bk", provider: "buildkite", manager: BuildkiteBuildManager(configuration: BuildkiteConfiguration(
                            apiURL: buildkiteServer.baseURL, organization: FakeBuildkite.organization, pipeline: FakeBuildkite.pipeline,
                            token: Secret(FakeBuildkite.token)), logger: logger), pollIntervals: WorkerHarness.fastPolling),
                        BuildQueue(name: "jk", provider: "jenkins", manager: JenkinsBuildManager(configuration: JenkinsConfiguration(
                            url: jenkinsServer.baseURL, job: FakeJenkins.job, user: Secret(FakeJenkins.user), token: Secret(FakeJenkins.token)),
                            logger: logger), pollIntervals: WorkerHarness.fastPolling),
                        BuildQueue(name: "gh", provider: "github-actions", manager: GitHubActionsBuildManager(configuration: GitHubActionsConfiguration(
                            apiURL: githubServer.baseURL, repository: FakeGitHub.repository, workflow: FakeGitHub.workflow, token: Secret(FakeGitHub.token)),
                            logger: logger), pollIntervals: WorkerHarness.fastPolling),
                    ]
                    let harness = try WorkerHarness()
                    let reader = try harness.startReader()
                    let worker = try RunningWorker(WorkerServices(worker: harness.configuration(queues: queues), httpPort: nil, logger: logger))
                    try await worker.waitUntilReady()
                    for queue in ["bk", "jk", "gh"] { try await harness.trigger("leak-\(queue)", queue: queue) }
                    for queue in ["bk", "jk", "gh"] { #expect(try await reader.waitForTerminal("leak-\(queue)").last?.status == "succeeded") }
                    await worker.stop()
                    let published = reader.all.map { String(decoding: $0.bytes, as: UTF8.self) + " \($0.headers)" }
                    let state = try await harness.stateRecords().map { String(decoding: $0.value ?? [], as: UTF8.self) }
                    let lines = handler.entries.map { "\($0.level) \($0.message) \($0.metadata)" }
                    #expect(lines.contains { $0.contains("provider request") })
                    // Every line a provider logs during a call names the build it is for.
                    let requestLines = handler.entries.filter { $0.message.description.hasPrefix("provider request") }
                    #expect(!requestLines.isEmpty)
                    #expect(requestLines.allSatisfy { $0.metadata["requestId"] != nil && $0.metadata["queue"] != nil && $0.metadata["provider"] != nil })
                    // (Polls are batched for all three vendors: a listing serves several builds, so its lines name none.)
                    #expect(lines.contains { $0.contains("[redacted]") })  // the vendors' echoes reached errors, redacted
                    let metrics = registry.emitToString()
                    #expect(metrics.contains(#"provider="github-actions""#))
                    for text in lines + published + state + [metrics] {
                        for token in tokens { #expect(!text.contains(token), "a token in: \(text)") }
                    }
                    await reader.close()
                }
            }
        }
    }
}
