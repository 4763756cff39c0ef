import BuildRelayCore
import BuildRelayKafka
import Foundation
import Logging

/// One scenario's world: an embedded broker in this process (so faults can be injected into it), the topics, a
/// worker configuration file, the worker processes, a producer for commands and the ledger reading what comes out.
final class ChaosEnvironment {
    static let partitions = 12

    let name: String
    let cluster: MockCluster
    let pool: WorkerPool
    let ledger: StatusLedger
    let directory: URL
    let shutdownTimeout: Duration = .seconds(10)
    private let producer: KafkaProducer
    private let commands: String
    /// Request ids triggered, in order, and when each cancel was sent (ms since the Unix epoch).
    private(set) var triggered: [String] = []
    private(set) var cancels: [String: Int64] = [:]
    private(set) var badSent: [BadCommands.Record] = []
    let deliveries = CommandDeliveries()

    /// `queues` is extra YAML under `queues:` (indented by two), `worker` extra YAML under `worker:` in flow style
    /// (`, retry: {…}`), `environment` extra variables for the worker processes (credentials).
    init(
        name: String, brokers: Int, buildrelay: String, logger: Logger, queues: String = "", worker: String = "",
        environment: [String: String] = [:]
    ) throws {
        self.name = name
        cluster = try MockCluster(brokers: brokers, logger: logger)
        let topics = ["commands", "status", "state", "dlq"].map { "chaos.\(name).\($0)" }
        for topic in topics { try cluster.createTopic(topic, partitions: Self.partitions, replicationFactor: min(3, brokers)) }
        commands = topics[0]
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("buildrelay-chaos-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = directory.appendingPathComponent("worker.yaml")
        try """
            kafka:
              bootstrapServers: \(cluster.bootstrapServers)
              groupId: chaos-\(name)
              properties: {session.timeout.ms: "6000", heartbeat.interval.ms: "500", fetch.wait.max.ms: "50"}
            topics: {commands: \(topics[0]), status: \(topics[1]), state: \(topics[2]), deadLetter: \(topics[3])}
            worker: {pollInterval: {accepted: 300ms, running: 300ms}, shutdownTimeout: \(shutdownTimeout.components.seconds)s\(worker)}
            logging: {level: info, format: text}
            http: {port: 0}
            queues:
              sim:
                provider: simulated
                simulated: {minDuration: 1s, maxDuration: 5s, failureRate: 0.1}
            \(queues)
            """.write(to: configuration, atomically: true, encoding: .utf8)
        pool = WorkerPool(executable: buildrelay, configuration: configuration.path, logDirectory: directory, environment: environment)
        ledger = try StatusLedger(bootstrap: cluster.bootstrapServers, status: topics[1], deadLetter: topics[3], partitions: Self.partitions, logger: logger)
        producer = try KafkaProducer(configuration: .init(bootstrapServers: cluster.bootstrapServers), logger: logger)
    }

    func trigger(_ requestID: String, queue: String = "sim") async throws {
        triggered.append(requestID)
        let command = BuildCommand.trigger(TriggerCommand(
            requestID: RequestID(rawValue: requestID)!, queue: queue,
            changes: [BuildChange(uris: ["github://acme/api/pull/7/9fceb02d0ae598e95dc970b74767f19372d61af8"])], metadata: ["chaos": name]))
        try await send(key: Array(requestID.utf8), value: CommandEncoder.encode(command), kind: "trigger")
    }

    func cancel(_ requestID: String) async throws {
        cancels[requestID] = Int64(Date().timeIntervalSince1970 * 1000)
        try await send(
            key: Array(requestID.utf8), value: CommandEncoder.encode(.cancel(CancelCommand(requestID: RequestID(rawValue: requestID)!, reason: "chaos"))),
            kind: "cancel")
    }

    func sendBad(_ record: BadCommands.Record) async throws {
        badSent.append(record)
        try await send(key: record.key, value: record.value, kind: "bad")
    }

    private func send(key: [UInt8]?, value: [UInt8]?, kind: String) async throws {
        let deliveries = deliveries, id = String(decoding: key ?? [], as: UTF8.self)
        try await producer.enqueue(KafkaProducerRecord(topic: commands, key: key, value: value)) { deliveries.record(id, kind: kind, $0) }
    }

    /// Waits (up to `timeout`) for every triggered request's terminal event, stops the workers gracefully, and
    /// checks the invariants.
    func finish(timeout: Duration) async throws -> InvariantReport {
        try await producer.flush(timeout: .seconds(60))
        _ = await ledger.waitForTerminal(triggered, timeout: timeout)
        await pool.stopAll(timeout: shutdownTimeout + .seconds(10))
        try await Task.sleep(for: .seconds(1))  // the last events of the stopped workers reach the ledger
        // A command the broker refused never reached a worker: its request is no promise of theirs.
        let refused = deliveries.refused
        var report = InvariantReport(
            events: ledger.events, requestIDs: triggered.filter { !refused.contains($0) }, cancels: cancels.filter { !refused.contains($0.key) },
            describe: deliveries.describe)
        if !refused.isEmpty { report.notes.append("\(refused.count) request(s) left out: the broker refused a command of theirs (\(refused.sorted().prefix(5).map { "\($0): \(deliveries.describe($0))" }))") }
        return report
    }

    func close() async {
        await producer.close()
        await ledger.close()
    }
}
