import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
import InMemoryLogging
import Logging
import Testing

/// Buildkite against its fake: what the provider sends, how it reads every state, and how it survives the API's
/// failures. (The conformance suite covers the BuildManager guarantees.)
@Suite("Buildkite provider", .timeLimit(.minutes(3)))
struct BuildkiteBuildManagerTests {
    static let changes = [
        BuildChange(uris: ["github://acme/api/pull/7/1111111aaaaaaa"], action: .apply),
        BuildChange(uris: ["github://acme/api/pull/9/9fceb02d0ae598e95dc970b74767f19372d61af8"]),
    ]

    @Test("trigger looks the request id up, then creates the build with the contract's env, meta_data and the last change's commit")
    func triggerSendsTheContractsInputs() async throws {
        try await FakeBuildkite.withManager { manager, fake, server in
            let buildTriggered = try await manager.trigger(queue: "main", changes: Self.changes, metadata: ["author": "kim"], requestID: RequestID(rawValue: "req-1")!)
            let (build, status) = (buildTriggered.id, buildTriggered.status)
            #expect(build == BuildID("1"))
            #expect(status == .accepted)
            let requests = server.requests
            try #require(requests.count == 2)
            #expect(requests[0].method == "GET")
            #expect(requests[0].path == ["v2", "organizations", "acme", "pipelines", "api-ci", "builds"])
            #expect(requests[0].query["meta_data[buildrelay_request_id]"] == "req-1")
            #expect(requests[1].method == "POST")
            #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer \(FakeBuildkite.token)" })
            let created = try #require(fake.builds.first)
            #expect(created.commit == "9fceb02d0ae598e95dc970b74767f19372d61af8")
            #expect(created.branch == "main")
            #expect(created.metaData["buildrelay_request_id"] == "req-1")
            #expect(created.env["BUILDRELAY_REQUEST_ID"] == "req-1")
            #expect(created.env["BUILDRELAY_QUEUE"] == "main")
            let changes = try #require(JSONSerialization.jsonObject(with: Data(created.env["BUILDRELAY_CHANGES"]!.utf8)) as? [[String: Any]])
            #expect(changes.count == 2)
            #expect(changes[0]["action"] as? String == "apply")
            #expect(changes[1]["uris"] as? [String] == ["github://acme/api/pull/9/9fceb02d0ae598e95dc970b74767f19372d61af8"])
            #expect(created.env["BUILDRELAY_METADATA"] == #"{"author":"kim"}"#)
        }
    }

    @Test("a change without a commit hash builds HEAD")
    func withoutARevisionBuildsHead() async throws {
        try await FakeBuildkite.withManager { manager, fake, _ in
            _ = try await manager.trigger(queue: "main", changes: [BuildChange(uris: ["https://example.com/patch.diff"])], metadata: [:], requestID: RequestID(rawValue: "req-head")!)
            #expect(fake.builds.first?.commit == "HEAD")
        }
    }

    @Test("a retried trigger for the same request id returns the first build and creates no second one")
    func retriedTriggerCreatesNoSecondBuild() async throws {
        try await FakeBuildkite.withManager { manager, fake, _ in
            let id = RequestID(rawValue: "req-retry")!
            let first = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: id).id
            let again = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: id).id
            #expect(first == again)
            #expect(fake.builds.count == 1)
        }
    }

    @Test("a create that failed with a 500 is not re-sent blindly; the worker's retry finds or creates exactly one build")
    func failedCreateIsRetriedThroughTheLookup() async throws {
        try await FakeBuildkite.withManager { manager, fake, server in
            server.inject(.respond(.json(500, ["message": "Internal Server Error"])), when: { $0.method == "POST" })
            let id = RequestID(rawValue: "req-500")!
            let error = await #expect(throws: BuildError.self) { _ = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: id) }
            #expect(error?.kind == .dependency)
            #expect(error?.isRetryable == true)
            #expect(server.requests.filter { $0.method == "POST" }.count == 1)
            _ = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: id)
            #expect(fake.builds.count == 1)
        }
    }

    @Test("every Buildkite state maps as the contract says", arguments: [
        ("creating", BuildStatus.accepted), ("scheduled", .accepted), ("running", .running), ("blocked", .running),
        ("failing", .running), ("waiting", .running), ("waiting_failed", .running),
        ("passed", .succeeded), ("failed", .failed), ("not_run", .failed), ("skipped", .failed),
        ("canceling", .cancelled), ("canceled", .cancelled), ("something_new", .unknown),
    ])
    func statesMap(_ state: String, _ expected: BuildStatus) async throws {
        try await FakeBuildkite.withManager { manager, fake, _ in
            let build = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-map")!).id
            fake.setState(1, state)
            let report = try await manager.status(build)
            let (status, metadata) = (report.status, report.metadata)
            #expect(status == expected)
            #expect(metadata["url"] == "https://buildkite.com/acme/api-ci/builds/1")
        }
    }

    @Test("a 429 with Retry-After is waited out and retried, never a failure")
    func rateLimitIsWaitedOut() async throws {
        try await FakeBuildkite.withManager { manager, _, server in
            let build = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-429")!).id
            server.inject(.respond(.json(429, ["message": "Too Many Requests"], headers: ["Retry-After": "1"])), times: 2, when: { $0.method == "GET" })
            let before = server.requests.count
            let status = try await manager.status(build).status
            #expect(status == .accepted)
            #expect(server.requests.count - before == 3)
        }
    }

    @Test("a status read that hits 500s, a slow answer or malformed JSON is retried or classified")
    func readFailures() async throws {
        try await FakeBuildkite.withManager { manager, _, server in
            let build = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-flaky")!).id
            server.inject(.respond(.json(502, ["message": "Bad Gateway"])), times: 2)
            #expect(try await manager.status(build).status == .accepted)

            server.inject(.delay(.milliseconds(500)))
            #expect(try await manager.status(build).status == .running)

            server.inject(.respond(FakeVendorServer.Response(status: 200, headers: ["Content-Type": "application/json"], body: Array("{\"number\": ".utf8))))
            let malformed = await #expect(throws: BuildError.self) { _ = try await manager.status(build) }
            #expect(malformed?.kind == .dependency)
            #expect(malformed?.code == .providerMalformedResponse)

            server.inject(.respond(.json(503, ["message": "Service Unavailable"])), times: 10)
            let unavailable = await #expect(throws: BuildError.self) { _ = try await manager.status(build) }
            #expect(unavailable?.kind == .dependency)
            #expect(unavailable?.isRetryable == true)
        }
    }

    @Test("a status read slower than the queue's requestTimeout fails as a retryable dependency error")
    func requestTimeout() async throws {
        // The trigger goes through a manager with the default timeout, so that a loaded machine cannot fail it; the
        // read, through one whose requestTimeout is 1 s.
        try await FakeBuildkite.withManager { manager, _, server in
            let build = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-slow")!).id
            var configuration = manager.configuration
            configuration.requestTimeout = .seconds(1)
            try await BuildkiteBuildManager(configuration: configuration, logger: testLogger()).closing { impatient in
                // Every attempt (the read is retried) answers only after 5 s.
                server.inject(.delay(.seconds(5)), times: 10)
                let slow = await #expect(throws: BuildError.self) { _ = try await impatient.status(build) }
                #expect(slow?.kind == .dependency)
                #expect(slow?.isRetryable == true)
            }
        }
    }

    @Test("bad credentials are a user error naming the setting to fix, and an unknown pipeline a user error naming it")
    func credentialsAndPipelineErrors() async throws {
        try await FakeBuildkite.withManager(token: "wrong-token-123") { manager, _, _ in
            let error = await #expect(throws: BuildError.self) {
                _ = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-401")!)
            }
            #expect(error?.kind == .user)
            #expect(error?.isRetryable == false)
            #expect(error?.message.contains("queues.main.buildkite.tokenEnv") == true)
            #expect(error?.message.contains("wrong-token-123") == false)
        }
        try await FakeBuildkite.withManager(pipeline: "no-such-pipeline") { manager, _, _ in
            let error = await #expect(throws: BuildError.self) {
                _ = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-404")!)
            }
            #expect(error?.kind == .user)
            #expect(error?.message.contains("acme/no-such-pipeline") == true)
        }
    }

    @Test("the token appears in no log line and no error, at trace level, even when the server echoes it")
    func tokenNeverLeaks() async throws {
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "buildkite-test") { _ in handler }
        logger.logLevel = .trace
        var messages: [String] = []
        try await FakeBuildkite.withManager(logger: logger) { manager, _, server in
            let build = try await manager.trigger(queue: "main", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-secret")!).id
            _ = try await manager.status(build)
            server.inject(.respond(.json(400, ["message": "bad header Bearer \(FakeBuildkite.token)"])))
            do { _ = try await manager.status(build) } catch { messages.append("\(error)") }
            server.inject(.respond(.json(502, ["message": "upstream said \(FakeBuildkite.token)"])), times: 10)
            do { try await manager.cancel(build) } catch { messages.append("\(error)") }
        }
        let lines = handler.entries.map { "\($0.message) \($0.metadata)" }
        #expect(!lines.isEmpty)
        #expect(messages.count == 2)
        for text in lines + messages {
            #expect(!text.contains(FakeBuildkite.token), "\(text)")
        }
        #expect(messages.allSatisfy { $0.contains("[redacted]") })
        #expect("\(Secret(FakeBuildkite.token))" == "[redacted]")
    }
}
