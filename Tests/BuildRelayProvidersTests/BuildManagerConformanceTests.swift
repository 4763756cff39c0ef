import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Testing

/// A provider under the conformance suite: how to run one (with whatever it talks to, such as a fake vendor
/// server), and what its builds can do.
struct BuildManagerSubject: Sendable, CustomTestStringConvertible {
    var name: String
    /// Whether a triggered build stays non-terminal long enough to be cancelled (noop builds finish at once).
    var hasNonTerminalBuilds: Bool
    /// Runs `body` with a new manager, and closes it afterwards.
    var withManager: @Sendable (_ body: (any BuildManager) async throws -> Void) async throws -> Void

    var testDescription: String { name }

    init(name: String, hasNonTerminalBuilds: Bool, make: @escaping @Sendable () -> any BuildManager) {
        self.name = name
        self.hasNonTerminalBuilds = hasNonTerminalBuilds
        self.withManager = { body in
            let manager = make()
            try await body(manager)
            try await manager.close()
        }
    }

    init(name: String, hasNonTerminalBuilds: Bool, withManager: @escaping @Sendable (_ body: (any BuildManager) async throws -> Void) async throws -> Void) {
        self.name = name
        self.hasNonTerminalBuilds = hasNonTerminalBuilds
        self.withManager = withManager
    }

    static let all: [BuildManagerSubject] = [
        BuildManagerSubject(name: "noop", hasNonTerminalBuilds: false, make: { NoopBuildManager() }),
        BuildManagerSubject(name: "simulated", hasNonTerminalBuilds: true, make: {
            SimulatedBuildManager(configuration: .init(minimumDuration: .milliseconds(300), maximumDuration: .milliseconds(600), failureRate: 0.5))
        }),
        BuildManagerSubject(name: "process", hasNonTerminalBuilds: true, make: {
            ProcessBuildManager(configuration: .init(command: ["/bin/sh", "-c", "sleep 0.5"], cancelGracePeriod: .seconds(2)))
        }),
        BuildManagerSubject(name: "buildkite (fake server)", hasNonTerminalBuilds: true, withManager: { body in
            try await FakeBuildkite.withManager { manager, _, _ in try await body(manager) }
        }),
        BuildManagerSubject(name: "jenkins (fake server)", hasNonTerminalBuilds: true, withManager: { body in
            try await FakeJenkins.withManager { manager, _, _ in try await body(manager) }
        }),
        BuildManagerSubject(name: "github-actions (fake server)", hasNonTerminalBuilds: true, withManager: { body in
            try await FakeGitHub.withManager { manager, _, _ in try await body(manager) }
        }),
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
            status = try await manager.status(build).status
            if status != seen.last { seen.append(status) }
        }
        return seen
    }

    @Test("trigger returns accepted or a terminal status, and polling reaches a terminal status through valid transitions", arguments: BuildManagerSubject.all)
    func triggerThenPollReachesTerminal(_ subject: BuildManagerSubject) async throws {
        try await subject.withManager { manager in
            let buildTriggered = try await manager.trigger(queue: "q", changes: Self.changes, metadata: ["author": "kim"], requestID: requestID("conf-1"))
            let (build, first) = (buildTriggered.id, buildTriggered.status)
            #expect(first == .accepted || first.isTerminal)
            let statuses = try await pollToTerminal(manager, build, first: first)
            let order: [BuildStatus] = [.accepted, .running, .succeeded]
            for (earlier, later) in zip(statuses, statuses.dropFirst()) where !later.isTerminal {
                #expect(order.firstIndex(of: earlier)! < order.firstIndex(of: later)!, "\(statuses)")
            }
            #expect(statuses.last == .succeeded || statuses.last == .failed)
        }
    }

    @Test("cancelling a build that has not finished ends it cancelled", arguments: BuildManagerSubject.all.filter(\.hasNonTerminalBuilds))
    func cancelEndsCancelled(_ subject: BuildManagerSubject) async throws {
        try await subject.withManager { manager in
            let buildTriggered = try await manager.trigger(queue: "q", changes: Self.changes, metadata: [:], requestID: requestID("conf-cancel"))
            let (build, first) = (buildTriggered.id, buildTriggered.status)
            #expect(!first.isTerminal)
            try await manager.cancel(build)
            let statuses = try await pollToTerminal(manager, build, first: try await manager.status(build).status)
            #expect(statuses.last == .cancelled)
        }
    }

    @Test("cancelling a finished build is a no-op: it keeps its terminal status", arguments: BuildManagerSubject.all)
    func cancelOfFinishedBuildIsNoOp(_ subject: BuildManagerSubject) async throws {
        try await subject.withManager { manager in
            let buildTriggered = try await manager.trigger(queue: "q", changes: Self.changes, metadata: [:], requestID: requestID("conf-done"))
            let (build, first) = (buildTriggered.id, buildTriggered.status)
            let final = try await pollToTerminal(manager, build, first: first).last!
            try await manager.cancel(build)
            #expect(try await manager.status(build).status == final)
        }
    }

    @Test("an unknown build id is a clear, classified error", arguments: BuildManagerSubject.all)
    func unknownBuildIsAnError(_ subject: BuildManagerSubject) async throws {
        try await subject.withManager { manager in
            let error = await #expect(throws: BuildError.self) { _ = try await manager.status(BuildID("no-such-build")) }
            #expect(error?.code == .unknownBuild)
            #expect(error?.message.contains("no-such-build") == true)
            await #expect(throws: BuildError.self) { try await manager.cancel(BuildID("no-such-build")) }
        }
    }

    @Test("100 concurrent triggers make 100 distinct builds", arguments: BuildManagerSubject.all)
    func concurrentTriggersAreDistinct(_ subject: BuildManagerSubject) async throws {
        try await subject.withManager { manager in
            let builds = try await withThrowingTaskGroup(of: BuildID.self) { group in
                for index in 0..<100 {
                    group.addTask { try await manager.trigger(queue: "q", changes: Self.changes, metadata: [:], requestID: requestID("conf-many-\(index)")).id }
                }
                return try await group.reduce(into: Set<BuildID>()) { $0.insert($1) }
            }
            #expect(builds.count == 100)
        }
    }

    @Test("close is idempotent and every later call throws", arguments: BuildManagerSubject.all)
    func closeIsIdempotentAndFinal(_ subject: BuildManagerSubject) async throws {
        try await subject.withManager { manager in
            let build = try await manager.trigger(queue: "q", changes: Self.changes, metadata: [:], requestID: requestID("conf-close")).id
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
}
