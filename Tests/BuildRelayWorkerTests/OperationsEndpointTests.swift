import AsyncHTTPClient
import BuildRelayApp
import BuildRelayCore
import BuildRelayTestSupport
import BuildRelayWorker
import Foundation
import Synchronization
import Testing

/// The operator's endpoint on a running worker: readiness follows the group join and restore, health the run
/// loop, and `/metrics` carries the worker's families in Prometheus text format.
@Suite(.timeLimit(.minutes(2)))
struct OperationsEndpointTests {
    func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test("/readyz is 503 until the worker joined and restored, then 200; /healthz 200; /metrics has the families, counting what happened")
    func endpointFollowsTheWorker() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let port = Mutex<Int?>(nil)
        let services = try WorkerServices(
            worker: harness.configuration(), httpHost: "127.0.0.1", httpPort: 0, logger: testLogger("worker"),
            onListening: { bound in port.withLock { $0 = bound } })
        let worker = services.worker
        let running = RunningWorker(services)
        try await waitUntil("the endpoint listens", seconds: 60) { port.withLock { $0 } != nil }
        let bound = try #require(port.withLock { $0 })
        if !worker.isReady {
            #expect(try await get(bound, "/readyz").status == 503)
        }
        try await running.waitUntilReady()
        #expect(try await get(bound, "/readyz").status == 200)
        #expect(try await get(bound, "/healthz").status == 200)

        try await harness.trigger("metrics-1", queue: "fast")
        try await reader.waitForTerminal("metrics-1")

        let (status, metrics) = try await get(bound, "/metrics")
        #expect(status == 200)
        for family in [
            "buildrelay_commands_total", "buildrelay_provider_calls_total", "buildrelay_provider_call_duration_seconds",
            "buildrelay_status_transitions_total", "buildrelay_events_published_total", "buildrelay_builds_in_flight",
            "buildrelay_rebalances_total", "buildrelay_retries_total", "buildrelay_dead_letters_total", "buildrelay_commands_ignored_total",
        ] {
            #expect(metrics.contains("# TYPE \(family) "), "no \(family) in /metrics")
        }
        #expect(metricValue(#"buildrelay_commands_total{type="trigger",outcome="accepted"}"#, in: metrics) >= 1)
        #expect(metricValue(#"buildrelay_status_transitions_total{status="succeeded"}"#, in: metrics) >= 1)
        #expect(metricValue(#"buildrelay_rebalances_total{event="assigned"}"#, in: metrics) >= 1)
        #expect(metricValue("buildrelay_events_published_total", in: metrics) >= 1)

        await running.stop()
        await reader.close()
    }

    @Test("a standby worker (one partition, two workers) is ready too, owning nothing")
    func standbyWorkerIsReady() async throws {
        let harness = try WorkerHarness(partitions: 1)
        let first = try harness.startWorker()
        try await first.waitUntilReady()
        let second = try harness.startWorker()
        try await second.waitUntilReady()
        try await waitUntil("one worker owns the partition", seconds: 30) {
            (first.worker.engine.ownedPartitions + second.worker.engine.ownedPartitions) == [0]
                && first.worker.isReady && second.worker.isReady
        }
        #expect(Set([first.worker.engine.ownedPartitions, second.worker.engine.ownedPartitions]) == [[], [0]])
        await second.stop()
        await first.stop()
    }
}
