import BuildRelayCore
import BuildRelayProviders
import Synchronization
import Testing

/// A clock the test moves by hand, in milliseconds since the epoch.
final class ManualClock: Sendable {
    private let value = Atomic<Int64>(1_000_000)
    var now: Int64 { value.load(ordering: .relaxed) }
    func advance(_ milliseconds: Int64) { value.add(milliseconds, ordering: .relaxed) }
}

@Suite("The simulated provider", .timeLimit(.minutes(3)))
struct SimulatedBuildManagerTests {
    let changes = [BuildChange(uris: ["u"])]

    func manager(_ clock: ManualClock, failureRate: Double = 0) -> SimulatedBuildManager {
        SimulatedBuildManager(
            configuration: .init(minimumDuration: .seconds(10), maximumDuration: .seconds(20), failureRate: failureRate),
            now: { clock.now })
    }

    @Test("a build is accepted for its first fifth, then running, then terminal, on the clock")
    func timeline() async throws {
        let clock = ManualClock()
        let manager = manager(clock)
        let buildTriggered = try await manager.trigger(queue: "q", changes: changes, metadata: [:], requestID: RequestID(rawValue: "sim-1")!)
        let (build, first) = (buildTriggered.id, buildTriggered.status)
        #expect(first == .accepted)
        let duration = Int64(build.rawValue.split(separator: ":")[2])!
        #expect((10_000...20_000).contains(duration))
        clock.advance(duration / 5 - 1)
        #expect(try await manager.status(build).status == .accepted)
        clock.advance(1)
        #expect(try await manager.status(build).status == .running)
        clock.advance(duration - duration / 5 - 1)
        #expect(try await manager.status(build).status == .running)
        clock.advance(1)
        #expect(try await manager.status(build).status == .succeeded)
    }

    @Test("duration and outcome derive from the request id: the same id plans the same build")
    func reproducible() async throws {
        let clock = ManualClock()
        let first = try await manager(clock, failureRate: 0.5).trigger(queue: "q", changes: changes, metadata: [:], requestID: RequestID(rawValue: "same")!).id
        let second = try await manager(clock, failureRate: 0.5).trigger(queue: "q", changes: changes, metadata: [:], requestID: RequestID(rawValue: "same")!).id
        #expect(first == second)
    }

    @Test("about failureRate of the builds fail")
    func failureRate() async throws {
        let clock = ManualClock()
        let manager = manager(clock, failureRate: 0.3)
        var failures = 0
        for index in 0..<2000 {
            let build = try await manager.trigger(queue: "q", changes: changes, metadata: [:], requestID: RequestID(rawValue: "rate-\(index)")!).id
            if build.rawValue.contains(":fail:") { failures += 1 }
        }
        #expect((500...700).contains(failures), "\(failures) of 2000 failed")
    }

    @Test("another manager (a worker that took over) reports the same status for the same build id")
    func anyManagerCanPoll() async throws {
        let clock = ManualClock()
        let build = try await manager(clock).trigger(queue: "q", changes: changes, metadata: [:], requestID: RequestID(rawValue: "takeover")!).id
        let other = manager(clock)
        #expect(try await other.status(build).status == .accepted)
        clock.advance(25_000)
        #expect(try await other.status(build).status == .succeeded)
    }
}
