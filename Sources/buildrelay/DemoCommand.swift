import ArgumentParser
import BuildRelayApp
import BuildRelayCore
import BuildRelayKafka
import BuildRelayProviders
import BuildRelayWorker
import Foundation
import Logging
import ServiceLifecycle

/// `buildrelay demo`: the embedded broker, one worker with `simulated` and `process` queues, sample commands, and
/// every status event printed as it arrives, until SIGINT/SIGTERM.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the embedded broker and a worker, send sample commands and print every status event (Ctrl-C stops).",
        discussion: """
            Queues: `sim` (simulated builds of 2-6 s, a quarter of them failing) and `local` (the process provider \
            running a small shell script). After the sample commands, a new `sim` trigger follows every --interval.
            """
    )

    @Option(help: "Seconds between the triggers that follow the sample commands.")
    var interval: Double = 3

    @Flag(help: "Exit once every sample command's request has its terminal event (for scripts and tests).")
    var once = false

    @Option(help: "Port of the worker's /metrics, /healthz and /readyz (0 turns them off).")
    var httpPort = 9090

    func run() async throws {
        let logger = CommandLogging.bootstrap(label: "buildrelay.demo", level: .warning)
        let registry = PrometheusMetrics.bootstrap()
        let cluster = try MockCluster(logger: logger)
        for topic in BrokerCommand.defaultTopics { try cluster.createTopic(topic.name, partitions: topic.partitions) }
        print("embedded broker at \(cluster.bootstrapServers); watch it with any Kafka client, e.g.")
        print("  kcat -C -b \(cluster.bootstrapServers) -t build.status -u")
        if httpPort != 0 { print("metrics at http://localhost:\(httpPort)/metrics (also /healthz, /readyz)") }
        print("starting a worker (queues: sim = simulated, local = process); the group join takes a few seconds\n")
        fflush(nil)

        let buildsDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("buildrelay-demo").path
        let polling = PollIntervals(accepted: .milliseconds(500), running: .milliseconds(500))
        let script = #"echo "building $BUILDRELAY_REQUEST_ID"; cat "$BUILDRELAY_CHANGES_FILE"; sleep 2; case "$BUILDRELAY_REQUEST_ID" in *fails*) echo "tests failed"; exit 1;; esac"#
        var configuration = WorkerConfiguration(
            kafka: KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers, properties: [
                "session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "fetch.wait.max.ms": "50",
            ]),
            queues: [
                BuildQueue(name: "sim", provider: "simulated", manager: SimulatedBuildManager(configuration: .init(
                    minimumDuration: .seconds(2), maximumDuration: .seconds(6), failureRate: 0.25)), pollIntervals: polling),
                BuildQueue(name: "local", provider: "process", manager: ProcessBuildManager(configuration: .init(
                    command: ["/bin/sh", "-c", script], timeout: .seconds(60), cancelGracePeriod: .seconds(2), buildsDirectory: buildsDirectory)),
                    pollIntervals: polling),
            ])
        configuration.settings.groupID = "buildrelay-demo"
        configuration.settings.shutdownTimeout = .seconds(5)
        let worker = try Worker(configuration: configuration, logger: logger)
        let producer = try KafkaProducer(configuration: .init(bootstrapServers: cluster.bootstrapServers), logger: logger)
        let printer = try DemoPrinter(bootstrapServers: cluster.bootstrapServers, logger: logger)
        let traffic = DemoTraffic(producer: producer, worker: worker, printer: printer, interval: .seconds(max(interval, 0.1)), once: once)
        let group = ServiceGroup(configuration: .init(
            // Shut down in reverse order: traffic stops first, the worker finishes, the printer shows the last events.
            services: (httpPort == 0 ? [] : [
                .init(service: OperationsEndpoint(port: httpPort, worker: worker, registry: registry, required: false, logger: logger)),
            ]) + [
                .init(service: producer),
                .init(service: printer),
                .init(service: worker),
                .init(service: traffic, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        withExtendedLifetime(cluster) {}
    }
}
