import ArgumentParser
import BuildRelayCore
import BuildRelayFakes
import BuildRelayKafka
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Hundreds of builds on a CI vendor that meters its API per organization, as users run them: `buildrelay worker`
/// processes against a fake Buildkite that allows `--limit` requests per minute for the whole organization (with
/// its documented headers and 429s), builds of `--min-seconds`–`--max-seconds`, once followed by Buildkite's
/// webhooks (polling as a safety net) and once by polling alone.
struct VendorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vendor", abstract: "Builds on a fake Buildkite metered per organization, with and without webhooks.")

    @Option(help: "Builds triggered at once.") var builds = 300
    @Option(help: "Worker processes.") var workers = 3
    @Option(help: "Requests per minute for the whole organization.") var limit = 200
    @Option(help: "Shortest build, in seconds.") var minSeconds = 20
    @Option(help: "Longest build, in seconds.") var maxSeconds = 40
    @Option(help: "Partitions per topic.") var partitions = 12
    @Option(help: "Seconds to wait for every build's end, per variant.") var deadlineSeconds = 900

    static let webhookSecret = "bench-webhook-secret"

    func run() async throws {
        setenv("BENCH_BUILDKITE_TOKEN", FakeBuildkite.token, 1)
        setenv("BENCH_BUILDKITE_WEBHOOK", Self.webhookSecret, 1)
        var topics: [String: Int] = [:]
        for variant in Variant.allCases { for topic in BenchWorker.topics("vendor.\(variant.rawValue)") { topics[topic] = partitions } }
        let broker = try BrokerProcess(topics: topics)
        defer { broker.stop() }
        var rows: [(Variant, VendorRun)] = []
        for variant in Variant.allCases {
            let row = try await run(variant, bootstrap: broker.bootstrapServers)
            print(row.summary(variant))
            rows.append((variant, row))
        }
        print("")
        print("vendor: \(builds) builds of \(minSeconds)–\(maxSeconds) s on a fake Buildkite allowing \(limit) requests/min per organization, \(workers) `buildrelay worker` processes")
        print("| followed by | all terminal after (s) | vendor requests | 429s | duplicate builds | end published late p50 / p99 (s) |")
        print("|---|---:|---:|---:|---:|---|")
        for (variant, row) in rows {
            print(String(format: "| %@ | %.0f | %d | %d | %d | %.1f / %.1f |", variant.description, row.seconds, row.requests, row.refused,
                         row.duplicates, row.lateP50, row.lateP99))
        }
    }

    enum Variant: String, CaseIterable, CustomStringConvertible {
        case webhooks
        case polling

        var description: String { self == .webhooks ? "webhooks (60 s safety-net polls)" : "polling alone" }
    }

    private func run(_ variant: Variant, bootstrap: String) async throws -> VendorRun {
        let fake = FakeBuildkite(
            timing: .clock(queued: .seconds(1), running: .seconds(minSeconds)...(.seconds(maxSeconds))),
            rateLimit: FixedWindowRateLimit(limit: limit))
        return try await FakeVendorServer.run(pathPrefix: "/v2", handler: fake.handle) { server in
            let prefix = "vendor.\(variant.rawValue)"
            let ports = try (0..<workers).map { _ in try FreePort.next() }
            let processes = try ports.map { port in try WorkerChildProcess(yaml: workerConfiguration(variant, prefix: prefix, port: port, api: server.baseURL, bootstrap: bootstrap)) }
            for process in processes { try await process.waitUntilReady() }
            let ends = Mutex<[String: ContinuousClock.Instant]>([:])
            let repeats = Atomic<Int>(0)
            let tail = try TopicTail(bootstrap: bootstrap, topic: "\(prefix).status", partitions: partitions, logger: Logger(label: "bench")) { key, value, _ in
                guard let key, let value, TerminalOutcomes.isTerminal(value) else { return }
                let id = String(decoding: key, as: UTF8.self)
                let first = ends.withLock { ends in
                    guard ends[id] == nil else { return false }
                    ends[id] = .now
                    return true
                }
                if !first { repeats.add(1, ordering: .relaxed) }
            }
            let deliveries = variant == .webhooks
                ? Task { await fake.deliverWebhooks(to: ports.map { "http://127.0.0.1:\($0)/webhooks/bk" }, token: Self.webhookSecret) }
                : nil
            let producer = try KafkaProducer(configuration: .init(bootstrapServers: bootstrap), logger: Logger(label: "bench"))
            let started = ContinuousClock.now
            for index in 0..<builds {
                let id = "\(variant.rawValue)-\(index)"
                _ = try await producer.send(KafkaProducerRecord(topic: "\(prefix).commands", key: Array(id.utf8), value: BenchCommands.trigger(id, queue: "bk")))
            }
            let deadline = started + .seconds(deadlineSeconds)
            while ends.withLock({ $0.count }) < builds, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(250))
            }
            let finished = ContinuousClock.now
            deliveries?.cancel()
            let undelivered = await deliveries?.value ?? 0
            await producer.close()
            await tail.stop()
            for process in processes { try process.stop() }
            let done = ends.withLock { $0 }
            guard done.count == builds else { throw BenchFailure("\(variant): \(done.count) of \(builds) builds reached a terminal status in \(deadlineSeconds) s") }
            var late: [Double] = []
            var perRequest: [String: Int] = [:]
            for build in fake.builds {
                guard let id = build.metaData["buildrelay_request_id"] else { continue }
                perRequest[id, default: 0] += 1
                if let end = done[id] { late.append(max(0, Double((end - build.expectedEnd).wholeMilliseconds) / 1000)) }
            }
            late.sort()
            func quantile(_ q: Double) -> Double { late.isEmpty ? 0 : late[min(late.count - 1, Int(Double(late.count) * q))] }
            return VendorRun(
                seconds: Double((finished - started).wholeMilliseconds) / 1000, requests: server.requests.count, refused: fake.rateLimit?.refused ?? 0,
                duplicates: perRequest.values.reduce(0) { $0 + max(0, $1 - 1) } + repeats.load(ordering: .relaxed),
                lateP50: quantile(0.5), lateP99: quantile(0.99), undelivered: undelivered)
        }
    }

    /// The README's configuration with one Buildkite queue, `bk`, against the fake; with webhooks in that variant.
    private func workerConfiguration(_ variant: Variant, prefix: String, port: Int, api: String, bootstrap: String) -> String {
        """
        kafka:
          bootstrapServers: \(bootstrap)
          groupId: \(prefix).group
          properties: {fetch.wait.max.ms: "10"}
        topics: {commands: \(prefix).commands, status: \(prefix).status, state: \(prefix).state, deadLetter: \(prefix).dlq}
        logging: {level: info, format: text}
        http: {port: \(port)}
        queues:
          bk:
            provider: buildkite
            buildkite: {apiURL: "\(api)", organization: \(FakeBuildkite.organization), pipeline: \(FakeBuildkite.pipeline), tokenEnv: BENCH_BUILDKITE_TOKEN}
        \(variant == .webhooks ? "    webhook: {secretEnv: BENCH_BUILDKITE_WEBHOOK}" : "")
        """
    }
}

/// What one variant of the vendor benchmark measured.
struct VendorRun {
    var seconds: Double
    var requests: Int
    var refused: Int
    /// Builds started beyond each request's first, plus terminal events beyond each request's first.
    var duplicates: Int
    /// How long after the build ended at the vendor its terminal event was published.
    var lateP50: Double
    var lateP99: Double
    /// Webhook deliveries a worker did not answer 2xx.
    var undelivered: Int

    func summary(_ variant: VendorBenchmark.Variant) -> String {
        String(format: "%@: all terminal after %.0f s, %d vendor requests, %d answered 429, %d duplicates, ends published %.1f s late at p50, %.1f s at p99, %d webhook deliveries refused",
               variant.description, seconds, requests, refused, duplicates, lateP50, lateP99, undelivered)
    }
}
