import BuildRelayCore
import BuildRelayProviders
import Testing

/// A provider under the conformance suite: how to make one, and what its builds can do.
struct BuildManagerSubject: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable () -> any BuildManager
    /// Whether a triggered build stays non-terminal long enough to be cancelled (noop builds finish at once).
    var hasNonTerminalBuilds: Bool

    var testDescription: String { name }

    static let all: [BuildManagerSubject] = [
        BuildManagerSubject(name: "noop", make: { NoopBuildManager() }, hasNonTerminalBuilds: false),
        BuildManagerSubject(
            name: "simulated",
            make: { SimulatedBuildManager(configuration: .init(minimumDuration: .milliseconds(300), maximumDuration: .milliseconds(600), failureRate: 0.5)) },
            hasNonTerminalBuilds: true),
        BuildManagerSubject(
            name: "process",
            make: { ProcessBuildManager(configuration: .init(command: ["/bin/sh", "-c", "sleep 0.5"], cancelGracePeriod: .seconds(2))) },
            hasNonTerminalBuilds: true),
    ]
}

/// What every ``BuildManager`` guarantees (its "implementation guidance"), run against every provider. A new provider
/// joins by adding itself to ``BuildManagerSubject/all``.
@Suite("BuildManager conformance")
struct BuildManagerConformanceTests {
    static let changes = [BuildChange(uris: ["github://acme/api/pull/1/abc"])]

    func requestID(_ text: String) -> RequestID { RequestID(rawValue: text)! }

    /// Polls until the build is terminal (bounded), returning every distinct status seen, in order.
    func pollToTerminal(_ manager: any BuildManager, _ build: BuildID, first: BuildStatus) async throws -> [BuildStatus] {
        var seen = [first]
        var status = first
        let deadline = ContinuousClock.now + .seconds(20)
        while !status.isTerminal {
            try #require(ContinuousClock.now < deadline, "build \(build) did not finish")
            try await Task.sleep(for: .milliseconds(20))
            status = try await manager.status(build).0
            if status != seen.last { seen.append(status) }
        }
        return seen
    }

    @Test("trigger returns accepted or a terminal status, and polling reaches a terminal status through valid transitions", arguments: BuildManagerSubject.all)
    func triggerThenPollReachesTerminal(_ subject: BuildManagerSubject) async throws {
        let manager = subject.make()
        let (build, first) = try await manager.trigger(queue: "q", changes: Self.changes, metadata: ["author": "kim"], requestID: requestID("conf-1"))
        #expect(first == .accepted || first.isTerminal)
        let statuses = try await pollToTerminal(manager, build, first: first)
        let order: [BuildStatus] = [.accepted, .running, .succeeded]
        for (earlier, later) in zip(statuses, statuses.dropFirst()) where !later.isTerminal {
            #expect(order.firstIndex(of: earlier)! < order.firstIndex(of: later)!, "\(statuses)")
        }
        #expect(statuses.last == .succeeded || statuses.last == .failed)
        try await manager.close()
    }

    @Test("cancelling a build that has not finished ends it cancelled", arguments: BuildManagerSubject.all.filter(\.hasNonTerminalBuilds))
    func cancelEndsCancelled(_ subject: BuildManagerSubject) async throws {
        let manager = subject.make()
        let (build, first) = try await manager.trigger(queue: "q", changes: Self.changes, metadata: [:], requestID: requestID("conf-cancel"))
        #expect(!first.isTerminal)
        try await manager.cancel(build)
        let statuses = try await pollToTerminal(manager, build, first: try await manager.status(build).0)
        #expect(statuses.last == .cancelled)
        try await manager.close()
    }

    @Test("cancelling a finished build is a no-op: it keeps its terminal status", arguments: BuildManagerSubject.all)
    func cancelOfFinishedBuildIsNoOp(_ subject: BuildManagerSubject) async throws {
        let manager = subject.make()
        let (build, first) = try await manager.trigger(queue: "q", changes: Self.changes, metadata: [:], requestID: requestID("conf-done"))
        let final = try await pollToTerminal(manager, build, first: first).last!
        try await manager.cancel(build)
        #expect(try await manager.status(build).0 == final)
        try await manager.close()
    }

    @Test("an unknown build id is a clear, classified error", arguments: BuildManagerSubject.all)
    func unknownBuildIsAnError(_ subject: BuildManagerSubject) async throws {
        let manager = subject.make()
        let error = await #expect(throws: BuildError.self) { _ = try await manager.status(BuildID("no-such-build")) }
        #expect(error?.code == .unknownBuild)
        #expect(error?.message.contains("no-such-build") == true)
        await #expect(throws: BuildError.self) { try await manager.cancel(BuildID("no-such-build")) }
        try await manager.close()
    }

    @Test("100 concurrent triggers make 100 distinct builds", arguments: BuildManagerSubject.all)
    func concurrentTriggersAreDistinct(_ subject: BuildManagerSubject) async throws {
        let manager = subject.make()
        let builds = try await withThrowingTaskGroup(of: BuildID.self) { group in
            for index in 0..<100 {
                group.addTask { try await manager.trigger(queue: "q", changes: Self.changes, metadata: [:], requestID: requestID("conf-many-\(index)")).0 }
            }
            return try await group.reduce(into: Set<BuildID>()) { $0.insert($1) }
        }
        #expect(builds.count == 100)
        try await manager.close()
    }

    @Test("close is idempotent and every later call throws", arguments: BuildManagerSubject.all)
    func closeIsIdempotentAndFinal(_ subject: BuildManagerSubject) async throws {
        let manager = subject.make()
        let (build, _) = try await manager.trigger(queue: "q", changes: Self.changes, metadata: [:], requestID: requestID("conf-close"))
        try await manager.close()
        try await manager.close()
        let error = await #expect(throws: BuildError.self) {
            _ = try await manager.trigger(queue: "q", changes: Self.changes, metadata: [:], requestID: requestID("conf-close-2"))
        }
        #expect(error?.code == .managerClosed)
        await #expect(throws: BuildError.self) { _ = try await manager.status(build) }
        await #expect(throws: BuildError.self) { try await manager.cancel(build) }
    }
}
