import BuildRelayApp
import BuildRelayTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Heap trimmer")
struct HeapTrimmerTests {
    @Test("it trims on its interval alongside the worker's services and ends with their graceful shutdown")
    func trimsUntilGracefulShutdown() async throws {
        let trims = Atomic<Int>(0)
        let trimmer = HeapTrimmer(interval: .milliseconds(20)) { trims.add(1, ordering: .relaxed) }
        let group = ServiceGroup(configuration: .init(services: [trimmer], logger: testLogger("heap-trimmer")))
        let running = Task { try await group.run() }
        try await waitUntil("three trims") { trims.load(ordering: .relaxed) >= 3 }
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
