/// `tracing.*`: where the worker exports its spans (OTLP over HTTP), when the standard OpenTelemetry environment
/// does not say (`OTEL_EXPORTER_OTLP_ENDPOINT` and the other `OTEL_*` variables win over these settings).
public struct TracingSettings: Sendable, Hashable {
    /// The collector's OTLP/HTTP base URL (`http://collector:4318`); spans go to `<endpoint>/v1/traces`.
    public var endpoint: String?
    /// `service.name` of the exported spans; `buildrelay` unless set here or in `OTEL_SERVICE_NAME`.
    public var serviceName: String?

    public init(endpoint: String? = nil, serviceName: String? = nil) {
        self.endpoint = endpoint
        self.serviceName = serviceName
    }
}
