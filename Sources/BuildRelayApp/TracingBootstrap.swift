import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Sends the worker's spans (one per provider call, in the build's trace) to an OpenTelemetry collector over
/// OTLP/HTTP, with swift-otel, when the standard environment or the `tracing` block asks for it; otherwise the
/// process bootstraps no tracer and the spans go nowhere, as before.
///
/// Asked for by any of `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_TRACES_EXPORTER`
/// (`otlp` or `console`) or `tracing.endpoint`; `OTEL_SDK_DISABLED=true` turns it off. Only traces: metrics stay
/// on `/metrics` and logs on standard error.
public enum TracingBootstrap {
    /// Whether spans are to be exported.
    public static func isRequested(_ settings: TracingSettings, environment: [String: String]) -> Bool {
        if environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return false }
        if let exporter = environment["OTEL_TRACES_EXPORTER"] { return exporter.lowercased() != "none" }
        return settings.endpoint != nil || environment["OTEL_EXPORTER_OTLP_ENDPOINT"] != nil || environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != nil
    }

    /// Bootstraps the process's tracer (once per process) and returns the service that exports the spans, to run
    /// beside the worker; `nil` when nothing asks for it. Throws ``ConfigurationError`` for settings this build
    /// cannot honour (OTLP/gRPC).
    public static func bootstrap(_ settings: TracingSettings, environment: [String: String], logger: Logger) throws -> (any Service)? {
        guard isRequested(settings, environment: environment) else { return nil }
        let protocolName = environment["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ?? environment["OTEL_EXPORTER_OTLP_PROTOCOL"]
        if let protocolName, protocolName.lowercased() == "grpc" {
            throw ConfigurationError(key: "OTEL_EXPORTER_OTLP_PROTOCOL", "this build exports OTLP over HTTP only: use http/protobuf (port 4318) or http/json")
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName ?? "buildrelay"
        configuration.resourceAttributes["service.version"] = BuildRelayVersion.current
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.diagnosticLogger = .custom(logger)
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        if let endpoint = settings.endpoint {
            configuration.traces.otlpExporter.endpoint = (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/v1/traces"
        }
        let backend: (factory: any Tracer, service: any Service)
        do {
            backend = try OTel.makeTracingBackend(configuration: configuration)
        } catch {
            throw ConfigurationError(key: "tracing", "cannot export traces: \(error)")
        }
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info("exporting traces with OTLP/HTTP", metadata: [
            "service.name": "\(environment["OTEL_SERVICE_NAME"] ?? configuration.serviceName)",
            "endpoint": "\(environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? settings.endpoint ?? "http://localhost:4318")",
        ])
        return backend.service
    }
}
