import AsyncHTTPClient
import BuildRelayApp
import BuildRelayCore
import BuildRelayFakes
import BuildRelayKafka
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
import NIOCore
import Synchronization
import Testing

/// `POST /webhooks/<queue>` on running workers: a delivery becomes a refresh that reaches the build's owner
/// through Kafka, whichever worker took it; refusals answer as the contract says and are counted.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WebhookTests {
    static let secret = "bk-webhook-secret-31337"

    /// A worker with its endpoint on a free loopback port.
    struct EndpointWorker {
        let running: RunningWorker
        let port: Int

        static func start(_ harness: WorkerHarness, queues: [BuildQueue], format: any WebhookFormat = BuildkiteWebhook()) async throws -> EndpointWorker {
            let port = Mutex<Int?>(nil)
            let webhooks = Dictionary(uniqueKeysWithValues: queues.map { ($0.name, QueueWebhook(format: format, secret: Secret(WebhookTests.secret))) })
            let services = try WorkerServices(
                worker: harness.configuration(queues: queues), httpHost: "127.0.0.1", httpPort: 0, webhooks: webhooks,
                logger: testLogger("worker"), onListening: { bound in port.withLock { $0 = bound } })
            let running = RunningWorker(services)
            try await waitUntil("the endpoint listens", seconds: 60) { port.withLock { $0 } != nil }
            return EndpointWorker(running: running, port: port.withLock { $0 }!)
        }

        func post(_ path: String, _ webhook: VendorWebhook) async throws -> Int {
            try await post(path, headers: webhook.headers, body: webhook.body)
        }

        func post(_ path: String, headers: [String: String], body: [UInt8]) async throws -> Int {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = .POST
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            return Int(response.status.code)
        }

        func metrics() async throws -> String {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
            return String(buffer: try await response.body.collect(upTo: 4 << 20))
        }
    }

    static func simulated(_ name: String, polling: Duration) -> BuildQueue {
        BuildQueue(
            name: name, provider: "simulated",
            manager: SimulatedBuildManager(configuration: .init(minimumDuration: .milliseconds(200), maximumDuration: .milliseconds(300), failureRate: 0)),
            pollIntervals: PollIntervals(accepted: polling, running: polling))
    }

    @Test("a delivery taken by a worker that does not own the build reaches its owner, which polls at once; a dropped one is caught by the safety-net poll")
    func deliveryReachesTheOwner() async throws {
        let harness = try WorkerHarness(partitions: 6)
        let reader = try harness.startReader()
        let hourly = Self.simulated("bk", polling: .seconds(3600))
        let queues = [hourly, Self.simulated("bk-net", polling: .seconds(1))]
        let first = try await EndpointWorker.start(harness, queues: queues)
        let second = try await EndpointWorker.start(harness, queues: queues)
        try await first.running.waitUntilReady()
        try await second.running.waitUntilReady()
        try await waitUntil("both workers own partitions") {
            !first.running.worker.engine.ownedPartitions.isEmpty && !second.running.worker.engine.ownedPartitions.isEmpty
        }
        let ids = (0..<6).map { "hook-\($0)" }
        for id in ids { try await harness.trigger(id, queue: "bk") }
        try await harness.trigger("hook-dropped", queue: "bk-net")
        var postedToOtherWorker = 0
        for (number, id) in ids.enumerated() {
            try await reader.waitForStatus(id, "accepted")
            let build = try #require(reader.events(for: id).first?.buildID)
            try await waitUntil("\(id) finished at the provider") { (try? await hourly.manager.status(BuildID(build)).status) == .succeeded }
            let home = HomePartition.of(RequestID(rawValue: id)!, partitionCount: harness.partitions)
            let receiver = first.running.worker.engine.ownedPartitions.contains(home) ? second : first
            if receiver.running.worker.engine.ownedPartitions.contains(home) == false { postedToOtherWorker += 1 }
            let delivery = VendorWebhook.buildkite(event: "build.finished", number: number, state: "passed", requestID: id, queue: "bk", secret: Self.secret)
            #expect(try await receiver.post("/webhooks/bk", delivery) == 202)
        }
        #expect(postedToOtherWorker == ids.count)
        for id in ids {
            let events = try await reader.waitForTerminal(id)
            #expect(events.map(\.status) == ["accepted", "succeeded"], "\(id)")
        }
        #expect(try await reader.waitForTerminal("hook-dropped").last?.status == "succeeded")
        await first.running.stop()
        await second.running.stop()
        await reader.close()
    }

    @Test("GitHub Actions followed by its workflow_run webhooks alone (hourly polls): every transition is published, whichever worker takes the delivery")
    func gitHubWebhooksDriveBuilds() async throws {
        let fake = FakeGitHub(timing: .clock(queued: .milliseconds(300), running: .seconds(2)...(.seconds(3))))
        try await FakeVendorServer.run(handler: fake.handle) { server in
            let harness = try WorkerHarness(partitions: 6)
            let reader = try harness.startReader()
            let queue = BuildQueue(
                name: "gha", provider: "github-actions",
                manager: GitHubActionsBuildManager(configuration: GitHubActionsConfiguration(
                    apiURL: server.baseURL, repository: FakeGitHub.repository, workflow: FakeGitHub.workflow, token: Secret(FakeGitHub.token)),
                    logger: testLogger("github")),
                pollIntervals: PollIntervals(accepted: .seconds(3600), running: .seconds(3600)))
            let first = try await EndpointWorker.start(harness, queues: [queue], format: GitHubWebhook())
            let second = try await EndpointWorker.start(harness, queues: [queue], format: GitHubWebhook())
            try await first.running.waitUntilReady()
            try await second.running.waitUntilReady()
            let targets = [first, second].map { "http://127.0.0.1:\($0.port)/webhooks/gha" }
            let failures = try await withThrowingTaskGroup(of: Int?.self) { group in
                group.addTask { await fake.deliverWebhooks(to: targets, secret: Self.secret) }
                group.addTask {
                    let ids = (0..<4).map { "gh-hook-\($0)" }
                    for id in ids { try await harness.trigger(id, queue: "gha") }
                    for id in ids {
                        let events = try await reader.waitForTerminal(id, seconds: 60)
                        #expect(events.map(\.status) == ["accepted", "running", "succeeded"], "\(id)")
                    }
                    return nil
                }
                _ = try await group.next()
                group.cancelAll()
                return try await group.next() ?? nil
            }
            #expect(failures == 0, "every delivery was taken")
            let runReads = server.requests.filter { $0.method == "GET" && $0.path.count == 6 }.count
            #expect(runReads <= 4 * 3, "one read per delivery at most, not polls: \(runReads)")
            await first.running.stop()
            await second.running.stop()
            await reader.close()
        }
    }

    @Test("refusals: 401 for a wrong, missing or stale proof, 404 for an unknown queue, 413 over 1 MiB, 400 unreadable, 200 for what needs nothing; all counted, the secret nowhere")
    func refusals() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try await EndpointWorker.start(harness, queues: [Self.simulated("refusing", polling: .seconds(3600))])
        try await worker.running.waitUntilReady()
        let before = try await worker.metrics()
        let good = VendorWebhook.buildkite(event: "build.running", number: 1, state: "running", requestID: "req-x", queue: "refusing", secret: Self.secret)
        var wrong = good
        wrong.headers["X-Buildkite-Token"] = "guess"
        #expect(try await worker.post("/webhooks/refusing", wrong) == 401)
        var missing = good
        missing.headers["X-Buildkite-Token"] = nil
        #expect(try await worker.post("/webhooks/refusing", missing) == 401)
        let stale = VendorWebhook.buildkite(
            event: "build.running", number: 1, state: "running", requestID: "req-x", queue: "refusing", secret: Self.secret, proof: .signature(at: Date() - 600))
        #expect(try await worker.post("/webhooks/refusing", stale) == 401)
        #expect(try await worker.post("/webhooks/nope", good) == 404)
        #expect(try await worker.post("/webhooks/refusing", headers: good.headers, body: Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)) == 413)
        #expect(try await worker.post("/webhooks/refusing", headers: good.headers, body: Array("{not json".utf8)) == 400)
        let foreign = VendorWebhook.buildkite(event: "build.finished", number: 2, state: "passed", requestID: nil, secret: Self.secret)
        #expect(try await worker.post("/webhooks/refusing", foreign) == 200)
        #expect(try await worker.post("/webhooks/refusing", good) == 202, "a refresh of an unknown build is produced; its owner drops it")
        @Sendable func increase(_ sample: String, _ metrics: String) -> Double { metricValue(sample, in: metrics) - metricValue(sample, in: before) }
        let ignoredRefresh = #"buildrelay_refreshes_total{outcome="ignored"}"#
        try await waitUntil("the owner dropped the refresh") { (try? await increase(ignoredRefresh, worker.metrics())) ?? 0 >= 1 }
        // A refresh the broker refuses (the mock cluster's injected, non-retriable produce errors; the worker is
        // idle, so its next produce is the refresh's): 503, so the vendor delivers again later.
        var unavailable = 0.0
        if let cluster = harness.cluster as? MockCluster {
            cluster.pushRequestErrors(.produce, Array(repeating: .messageSizeTooLarge, count: 3))
            #expect(try await worker.post("/webhooks/refusing", good) == 503)
            cluster.clearRequestErrors(.produce)
            unavailable = 1
        }
        let metrics = try await worker.metrics()
        #expect(increase(#"buildrelay_webhooks_total{queue="refusing",outcome="unavailable"}"#, metrics) == unavailable)
        for (outcome, count) in [("unauthorized", 3.0), ("too_large", 1), ("unreadable", 1), ("ignored", 1), ("refreshed", 1)] {
            #expect(increase(#"buildrelay_webhooks_total{queue="refusing",outcome="\#(outcome)"}"#, metrics) == count, "\(outcome)")
        }
        #expect(increase(#"buildrelay_webhooks_total{queue="-",outcome="unknown_queue"}"#, metrics) == 1)
        #expect(!metrics.contains(Self.secret))
        #expect(reader.all.isEmpty, "nothing a webhook says is published by itself")
        await worker.running.stop()
        await reader.close()
    }
}
