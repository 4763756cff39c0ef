import BuildRelayWorker
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// The worker's HTTP endpoint for operators (Hummingbird, `http.port`): `/metrics` in Prometheus text format,
/// `/healthz` (200 while the consume loop and the engine run) and `/readyz` (200 once the worker joined its group
/// and restored every partition it owns, possibly none; 503 before), `GET /builds` and `GET /builds/<requestId>`
/// (``BuildsQuery``), and `POST /webhooks/<queue>` for the queues with a webhook (``WebhookReceiver``).
public struct OperationsEndpoint: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>
    private let logger: Logger
    private let required: Bool
    private let port: Int

    /// `required`: a failure to listen ends the process (a worker); otherwise it is logged and the rest goes on
    /// (the demo, where the port may be taken).
    /// `onListening` gets the bound port (useful with `port` 0, which picks a free one).
    public init(
        host: String = "0.0.0.0", port: Int, worker: Worker, registry: PrometheusCollectorRegistry, webhooks: WebhookReceiver? = nil,
        required: Bool, logger: Logger, onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("healthz") { _, _ -> Response in
            Self.plain(worker.isHealthy ? .ok : .serviceUnavailable, worker.isHealthy ? "ok\n" : "the worker is not running\n")
        }
        router.get("readyz") { _, _ -> Response in
            Self.plain(worker.isReady ? .ok : .serviceUnavailable, worker.isReady ? "ready\n" : "joining the group or restoring partitions\n")
        }
        let builds = BuildsQuery(engine: worker.engine)
        router.get("builds") { request, _ -> Response in
            builds.list(statusFilter: request.uri.queryParameters.get("status"))
        }
        router.get("builds/:requestId") { _, context -> Response in
            builds.one(try context.parameters.require("requestId"))
        }
        router.post("webhooks/:queue") { request, context -> Response in
            let queue = try context.parameters.require("queue")
            guard let webhooks else { return Self.plain(.notFound, "no queue has a webhook\n") }
            var body: [UInt8]?
            do {
                body = Array(buffer: try await request.body.collect(upTo: WebhookReceiver.maximumBodyBytes))
            } catch is NIOTooManyBytesError {
                body = nil
            }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let outcome = await webhooks.receive(queue: queue, headers: headers, body: body)
            return Self.plain(outcome.status, "\(outcome.rawValue)\n")
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        self.application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "buildrelay"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) }, logger: quiet)
        self.logger = logger
        self.required = required
        self.port = port
    }

    public func run() async throws {
        do {
            try await application.run()
        } catch let error as IOError where required && error.errnoCode == EADDRINUSE {
            throw WorkerStartupError(message: "http.port \(port) is already in use; choose another port, or 0 to turn the endpoint off")
        } catch where !required && !(error is CancellationError) {
            logger.warning("the HTTP endpoint is not available", metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
        }
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
