import BuildRelayApp
import BuildRelayFakes
import BuildRelayTestSupport
import Foundation
import Testing

/// Traces that leave the process: a `buildrelay worker` started with the standard OpenTelemetry environment exports
/// its provider-call spans over OTLP/HTTP to a collector (here a fake one), in the trace of the command.
@Suite(.timeLimit(.minutes(2)))
struct TracingTests {
    /// The spans of every OTLP/JSON export request: name, trace id (base64, as protobuf's JSON mapping writes
    /// bytes), attributes, and the resource's `service.name`.
    struct ExportedSpan {
        var name: String
        var traceID: String
        var attributes: [String: String]
        var serviceName: String?
    }

    static func spans(in bodies: [[UInt8]]) -> [ExportedSpan] {
        func attributes(_ list: Any?) -> [String: String] {
            var result: [String: String] = [:]
            for entry in list as? [[String: Any]] ?? [] {
                if let key = entry["key"] as? String, let value = (entry["value"] as? [String: Any])?["stringValue"] as? String { result[key] = value }
            }
            return result
        }
        return bodies.flatMap { body -> [ExportedSpan] in
            guard let export = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return [] }
            return (export["resourceSpans"] as? [[String: Any]] ?? []).flatMap { resource -> [ExportedSpan] in
                let service = attributes((resource["resource"] as? [String: Any])?["attributes"])["service.name"]
                return (resource["scopeSpans"] as? [[String: Any]] ?? []).flatMap { scope in
                    (scope["spans"] as? [[String: Any]] ?? []).map { span in
                        ExportedSpan(name: span["name"] as? String ?? "", traceID: span["traceId"] as? String ?? "",
                                     attributes: attributes(span["attributes"]), serviceName: service)
                    }
                }
            }
        }
    }

    @Test("OTEL_EXPORTER_OTLP_ENDPOINT makes the worker export its provider-call spans in the command's trace, with no secret in them")
    func providerCallSpansReachTheCollector() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let secret = "s3cr3t-\(UUID().uuidString.prefix(8))"
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let traceIDBase64 = Data((0..<16).map { UInt8(traceID.dropFirst($0 * 2).prefix(2), radix: 16)! }).base64EncodedString()
        try await FakeVendorServer.run(handler: { _ in .json(200, [String: Any]()) }) { collector in
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("traced-worker")).log")
            defer { try? FileManager.default.removeItem(at: log) }
            let worker = try WorkerProcess(
                executable: executable,
                arguments: CommandLineTests.workerArguments(harness) + [
                    "--set", "queues.sim.provider=simulated", "--set", "queues.sim.simulated.minDuration=100ms",
                    "--set", "queues.sim.simulated.maxDuration=200ms", "--set", "queues.sim.simulated.failureRate=0",
                    "--set", "queues.sim.pollInterval.running=100ms", "--set", "queues.sim.pollInterval.accepted=100ms",
                    "--set", "kafka.secretProperties.sasl.password=TRACING_TEST_SECRET",
                ],
                log: log,
                environment: [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": collector.baseURL, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                    "OTEL_SERVICE_NAME": "buildrelay-tracing-test", "OTEL_BSP_SCHEDULE_DELAY": "100", "TRACING_TEST_SECRET": secret,
                ])
            try await harness.trigger("traced-1", queue: "sim", traceparent: "00-\(traceID)-00f067aa0ba902b7-01")
            try await reader.waitForTerminal("traced-1", seconds: 60)
            try await waitUntil("the trigger's and a poll's spans reach the collector", seconds: 30) {
                let names = Set(Self.spans(in: collector.requests.map(\.body)).filter { $0.traceID == traceIDBase64 }.map(\.name))
                return names.isSuperset(of: ["buildrelay.trigger", "buildrelay.status"])
            }
            worker.kill(SIGTERM)
            #expect(await worker.waitForExit(seconds: 30) != nil)
            let exports = collector.requests.filter { $0.path == ["v1", "traces"] }
            #expect(!exports.isEmpty && exports.allSatisfy { $0.method == "POST" && $0.headers["content-type"] == "application/json" })
            let spans = Self.spans(in: exports.map(\.body)).filter { $0.traceID == traceIDBase64 }
            #expect(spans.allSatisfy { $0.serviceName == "buildrelay-tracing-test" })
            #expect(spans.allSatisfy { $0.attributes["buildrelay.request_id"] == "traced-1" && $0.attributes["buildrelay.queue"] == "sim" })
            #expect(!exports.contains { String(decoding: $0.body, as: UTF8.self).contains(secret) }, "the secret is in an export")
            #expect(worker.log.contains("exporting traces with OTLP/HTTP"), "\(worker.log)")
            #expect(!worker.log.contains(secret))
        }
        await reader.close()
    }

    @Test("without the OpenTelemetry environment or a tracing block, no tracer is bootstrapped")
    func nothingAsksForTraces() {
        #expect(!TracingBootstrap.isRequested(TracingSettings(), environment: ["PATH": "/usr/bin"]))
        #expect(TracingBootstrap.isRequested(TracingSettings(), environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        #expect(TracingBootstrap.isRequested(TracingSettings(endpoint: "http://collector:4318"), environment: [:]))
        #expect(!TracingBootstrap.isRequested(TracingSettings(endpoint: "http://collector:4318"), environment: ["OTEL_SDK_DISABLED": "true"]))
        #expect(!TracingBootstrap.isRequested(TracingSettings(), environment: ["OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"]))
    }
}
