import BuildRelayKafka
import BuildRelayWorker
import Foundation
import ServiceLifecycle

/// Sends the demo's sample commands once the worker is ready: builds that succeed and fail, a cancel mid-build, a
/// cancel before its trigger, an unknown queue and a malformed command; then a `sim` trigger per interval.
struct DemoTraffic: Service {
    let producer: KafkaProducer
    let worker: Worker
    let printer: DemoPrinter
    let interval: Duration
    /// Return (ending the demo) once every sample request is terminal.
    let once: Bool

    static let sampleRequests = ["demo-sim-1", "demo-sim-2", "demo-sim-3", "demo-local-ok", "demo-local-fails", "demo-cancelled", "demo-early", "demo-nowhere", "demo-bad"]

    func run() async throws {
        while !worker.isReady {
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        print("worker ready; sending sample commands\n")
        fflush(nil)
        for id in ["demo-sim-1", "demo-sim-2", "demo-sim-3"] { try await trigger(id, queue: "sim") }
        try await trigger("demo-local-ok", queue: "local")
        try await trigger("demo-local-fails", queue: "local")
        try await trigger("demo-cancelled", queue: "sim")
        try await send(#"{"type":"cancel","requestId":"demo-early","reason":"cancelled before its trigger"}"#, key: "demo-early")
        try await trigger("demo-early", queue: "sim")
        try await trigger("demo-nowhere", queue: "no-such-queue")
        try await send(#"{"type":"trigger","requestId":"demo-bad","queue":"sim","changes":[]}"#, key: "demo-bad")
        try await Task.sleep(for: .milliseconds(1500))
        try await send(#"{"type":"cancel","requestId":"demo-cancelled","reason":"superseded"}"#, key: "demo-cancelled")

        var sequence = 1
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if once, printer.terminalRequests.isSuperset(of: Self.sampleRequests) {
                print("\nevery sample request reached its terminal status")
                fflush(nil)
                return
            }
            if !once {
                try await trigger("demo-more-\(sequence)", queue: "sim")
                sequence += 1
            }
            try? await Task.sleep(for: once ? .milliseconds(200) : interval)
        }
    }

    private func trigger(_ requestID: String, queue: String) async throws {
        try await send(#"{"type":"trigger","requestId":"\#(requestID)","queue":"\#(queue)","changes":[{"uris":["github://acme/api/pull/\#(requestID.hashValue & 0xFFF)/9fceb02d"],"action":"validate"}],"metadata":{"author":"demo"}}"#, key: requestID)
    }

    private func send(_ command: String, key: String) async throws {
        _ = try await producer.send(KafkaProducerRecord(topic: "build.commands", key: Array(key.utf8), value: Array(command.utf8)))
    }
}
