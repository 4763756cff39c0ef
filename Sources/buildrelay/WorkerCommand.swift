import ArgumentParser
import BuildRelayApp
import BuildRelayKafka
import BuildRelayWorker
import Foundation
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
        logger.info("starting", metadata: [
            "allocator": "\(MemoryAllocator.description)", "librdkafka": "\(Librdkafka.version)", "version": "\(BuildRelayVersion.current)",
        ])
        for warning in configuration.warnings { logger.warning("\(warning)") }
        let services: WorkerServices
        do {
            services = try WorkerServices(configuration: configuration, environment: ProcessInfo.processInfo.environment, logger: logger)
        } catch let error as ConfigurationError {
            throw UsageError(message: error.description)
        } catch {
            throw UsageError(message: "cannot start the worker: \(error)")
        }
        do {
            try await services.serviceGroup(gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
        } catch let error as WorkerStartupError {
            throw UsageError(message: error.message)
        }
    }
}
