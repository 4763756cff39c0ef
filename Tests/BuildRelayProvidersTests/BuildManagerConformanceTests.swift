import BuildManagerConformance
import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Testing

/// Every provider of this package under the conformance checks that out-of-tree providers run too
/// (the `BuildManagerConformance` library). A new provider joins by adding itself to ``subjects``.
@Suite("BuildManager conformance", .timeLimit(.minutes(3)))
struct BuildManagerConformanceTests {
    static let subjects: [ConformanceSubject] = [
        ConformanceSubject(name: "noop", hasNonTerminalBuilds: false, make: { NoopBuildManager() }),
        ConformanceSubject(name: "simulated", hasNonTerminalBuilds: true, make: {
            SimulatedBuildManager(configuration: .init(minimumDuration: .milliseconds(300), maximumDuration: .milliseconds(600), failureRate: 0.5))
        }),
        ConformanceSubject(name: "process", hasNonTerminalBuilds: true, make: {
            ProcessBuildManager(configuration: .init(command: ["/bin/sh", "-c", "sleep 0.5"], cancelGracePeriod: .seconds(2)))
        }),
        ConformanceSubject(name: "buildkite (fake server)", hasNonTerminalBuilds: true) { body in
            try await FakeBuildkite.withManager { manager, _, _ in try await body(manager) }
        },
        ConformanceSubject(name: "jenkins (fake server)", hasNonTerminalBuilds: true) { body in
            try await FakeJenkins.withManager { manager, _, _ in try await body(manager) }
        },
        ConformanceSubject(name: "github-actions (fake server)", hasNonTerminalBuilds: true) { body in
            try await FakeGitHub.withManager { manager, _, _ in try await body(manager) }
        },
    ]

    @Test("every provider keeps every BuildManager guarantee", arguments: subjects, BuildManagerConformance.Check.allCases)
    func conformance(_ subject: ConformanceSubject, _ check: BuildManagerConformance.Check) async throws {
        try await BuildManagerConformance.run(check, on: subject)
    }

    /// The checks can fail: a manager that breaks each guarantee is caught by it.
    @Test("a manager breaking a guarantee fails its check", arguments: BuildManagerConformance.Check.allCases)
    func checksCatchBrokenManagers(_ check: BuildManagerConformance.Check) async throws {
        let broken = ConformanceSubject(name: "broken", hasNonTerminalBuilds: true, make: { BrokenBuildManager() })
        await #expect(throws: ConformanceFailure.self) { try await BuildManagerConformance.run(check, on: broken, pollDeadline: .milliseconds(200)) }
    }
}

/// Breaks every guarantee: one build id for everything, a status that goes back and never ends, cancels and
/// closes that change nothing, plain errors.
struct BrokenBuildManager: BuildManager {
    struct Plain: Error {}

    func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild {
        TriggeredBuild(id: BuildID("the-one"), status: .running)
    }

    func status(_ build: BuildID) async throws -> BuildStatusReport {
        guard build.rawValue == "the-one" else { throw Plain() }
        return BuildStatusReport(status: .accepted)
    }

    func cancel(_ build: BuildID) async throws {}
    func close() async throws {}
}
