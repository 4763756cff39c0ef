import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
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

            try await harness.trigger("bk-ok", queue: "bk", metadata: ["author": "kim"])
            let events = try await reader.waitForTerminal("bk-ok")
            #expect(events.map(\.status) == ["accepted", "running", "succeeded"])
            #expect(events.map(\.sequence) == [1, 2, 3])
            #expect(events.first?.buildID == "1")
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
}
