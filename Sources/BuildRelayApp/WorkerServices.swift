import BuildRelayCore
import BuildRelayWorker
import Logging
import ServiceLifecycle
import UnixSignals

/// The one wiring of a worker process: its services, in start order (a service group stops them in reverse, so
/// the span exporter outlives everything that makes spans and the endpoint answers until the worker is gone): the
/// span exporter (when traces are exported), the operations endpoint (when wanted), the worker, the heap trimmer.
/// `buildrelay worker` runs it, and so do the tests.
public struct WorkerServices: Sendable {
    public let worker: Worker
    public let endpoint: OperationsEndpoint?
    /// Exports spans (``TracingBootstrap``); only a process started from a configuration has one.
    private var tracing: (any Service)?
    private let trimmer = HeapTrimmer()

    /// Bootstraps the metrics (once per process) before the worker creates its own.
    ///
    /// - Parameters:
    ///   - httpPort: the operations endpoint's port (0 picks a free one, reported to `onListening`); `nil` for none.
    ///   - clock: the engine's clocks (``WorkerClock``): the system's unless a test supplies one.
    ///   - webhooks: the queues that take webhooks on the endpoint, by name.
    public init(
        worker configuration: WorkerConfiguration, httpHost: String = "0.0.0.0", httpPort: Int?, webhooks: [String: QueueWebhook] = [:],
        logger: Logger, clock: WorkerClock = .system, onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws {
        let registry = PrometheusMetrics.bootstrap()
        let worker = try Worker(configuration: configuration, logger: logger, clock: clock)
        self.worker = worker
        let receiver = webhooks.isEmpty ? nil : WebhookReceiver(webhooks: webhooks, logger: logger) { try await worker.send($0) }
        self.endpoint = httpPort.map {
            OperationsEndpoint(
                host: httpHost, port: $0, worker: worker, registry: registry, webhooks: receiver, required: true, logger: logger,
                onListening: onListening)
        }
    }

    /// From a configuration file's settings: the endpoint on `http.port` unless it is 0, and the process's tracer
    /// when the environment or `tracing` asks for one (bootstrapped here, before the worker makes any span).
    public init(configuration: BuildRelayConfiguration, environment: [String: String], logger: Logger) throws {
        let tracing = try TracingBootstrap.bootstrap(configuration.tracing, environment: environment, logger: logger)
        try self.init(
            worker: WorkerAssembly.workerConfiguration(configuration, logger: logger),
            httpPort: configuration.httpPort == 0 ? nil : configuration.httpPort, webhooks: WorkerAssembly.webhooks(configuration), logger: logger)
        self.tracing = tracing
    }

    public var services: [any Service] {
        (tracing.map { [$0] } ?? []) + (endpoint.map { [$0] } ?? []) + [worker, trimmer]
    }

    /// A service group of ``services`` that shuts down gracefully on `signals`.
    public func serviceGroup(gracefulShutdownSignals signals: [UnixSignal] = [], logger: Logger) -> ServiceGroup {
        ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: signals, logger: logger))
    }
}
