import ArgumentParser
import BuildRelayApp
import BuildRelayKafka
import BuildRelayWorker
import Logging
import ServiceLifecycle

/// `buildrelay worker`: one member of the worker group, until SIGTERM/SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one worker until SIGTERM/SIGINT, then shut down gracefully.",
        discussion: "Exits 2 when the configuration or the topics cannot be used, 1 on a runtime failure."
    )

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let configuration = try await options.load()
        let logger = CommandLogging.bootstrap(label: "buildrelay.worker", configuration: configuration)
        logger.info("starting", metadata: ["allocator": "\(MemoryAllocator.description)", "librdkafka": "\(Librdkafka.version)"])
        let registry = PrometheusMetrics.bootstrap()
        let worker: Worker
        do {
            worker = try Worker(configuration: WorkerAssembly.workerConfiguration(configuration, logger: logger), logger: logger)
        } catch {
            throw UsageError(message: "cannot start the worker: \(error)")
        }
        // The endpoint first: services stop in reverse order, so it answers until the worker is gone.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if configuration.httpPort != 0 {
            services.append(.init(service: OperationsEndpoint(port: configuration.httpPort, worker: worker, registry: registry, required: true, logger: logger)))
        }
        services.append(.init(service: worker))
        services.append(.init(service: HeapTrimmer()))
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch let error as WorkerStartupError {
            throw UsageError(message: error.message)
        }
    }
}
