@testable import BuildRelayProviders
import BuildRelayCore
import BuildRelayTestSupport
import Testing

/// Pacing by the vendor's budget for the whole organization, which every worker spends.
@Suite("Vendor request budget", .timeLimit(.minutes(2)))
struct RequestBudgetTests {
    @Test("requests spread the vendor's remaining budget over the time to its reset; polls leave a tenth to triggers and cancels")
    func pacing() {
        let budget = RequestBudget(requestsPerMinute: nil)
        budget.observe(remaining: 40, limit: 50, resetsIn: .seconds(10))
        var burst = 0
        while budget.take(isPoll: false) == nil { burst += 1 }
        #expect((4...6).contains(burst), "a quarter of this worker's half of 40 at once, not \(burst)")
        let spread = try? #require(budget.take(isPoll: false))
        #expect(spread.map { $0 < .seconds(1) } == true, "then the rest over 10 s")
        budget.observe(remaining: 5, limit: 50, resetsIn: .seconds(10))
        let poll = try? #require(budget.take(isPoll: true))
        #expect(poll.map { $0 > .seconds(5) } == true, "five left, a tenth of 50 reserved: the poll waits for the reset (10 s)")
        let trigger = budget.take(isPoll: false) ?? .zero
        #expect(trigger < (poll ?? .zero), "a trigger goes before it")
    }

    @Test("an answer whose reset has already passed (a slow answer, a clock ahead of the vendor's) holds no request back")
    func resetAlreadyPassed() {
        let budget = RequestBudget(requestsPerMinute: nil)
        budget.observe(remaining: 50, limit: 60, resetsIn: .seconds(-2))
        for _ in 0..<10 {
            #expect(budget.take(isPoll: false) == nil, "the window it reported is over and nothing says how long the next one is")
        }
        budget.observe(remaining: 40, limit: 60, resetsIn: .seconds(10))
        var burst = 0
        while burst <= 40, budget.take(isPoll: false) == nil { burst += 1 }
        #expect((1...10).contains(burst), "the next answer's budget paces requests again, not \(burst) at once")
    }

    @Test("three managers sharing one organization's budget stay within it: no 429")
    func sharedBudgetHolds() async throws {
        let limit = FixedWindowRateLimit(limit: 60, window: .seconds(3))
        let fake = FakeBuildkite(rateLimit: limit)
        try await FakeVendorServer.run(pathPrefix: "/v2", handler: fake.handle) { server in
            let managers = (0..<3).map { _ in
                BuildkiteBuildManager(configuration: BuildkiteConfiguration(
                    apiURL: server.baseURL, organization: FakeBuildkite.organization, pipeline: FakeBuildkite.pipeline,
                    token: Secret(FakeBuildkite.token)), logger: testLogger("buildkite"))
            }
            let build = try await managers[0].trigger(queue: "main", changes: [BuildChange(uris: ["u"])], metadata: [:], requestID: RequestID(rawValue: "req-budget")!).id
            try await withThrowingTaskGroup(of: Void.self) { group in
                for manager in managers {
                    for _ in 0..<4 {
                        group.addTask { for _ in 0..<12 { _ = try await manager.status(build) } }
                    }
                }
                try await group.waitForAll()
            }
            #expect(server.requests.count == 146, "a look-up and a create, then 144 status reads")
            #expect(limit.refused == 0, "\(limit.refused) requests were refused with 429")
            for manager in managers { try await manager.close() }
        }
    }

    @Test("three managers sharing one GitHub token's budget stay within it: no 403 rate-limit answer")
    func sharedTokenBudgetHolds() async throws {
        let limit = FixedWindowRateLimit(limit: 60, window: .seconds(3))
        let fake = FakeGitHub(rateLimit: limit)
        try await FakeVendorServer.run(handler: fake.handle) { server in
            let managers = (0..<3).map { _ in
                GitHubActionsBuildManager(configuration: GitHubActionsConfiguration(
                    apiURL: server.baseURL, repository: FakeGitHub.repository, workflow: FakeGitHub.workflow, ref: "main",
                    token: Secret(FakeGitHub.token)), logger: testLogger("github"))
            }
            let build = try await managers[0].trigger(TriggerRequest(
                requestID: RequestID(rawValue: "req-token-budget")!, queue: "gha", changes: [BuildChange(uris: ["u"])], mayHaveStarted: false)).id
            try await withThrowingTaskGroup(of: Void.self) { group in
                for manager in managers {
                    for _ in 0..<4 {
                        group.addTask { for _ in 0..<12 { _ = try await manager.status(build) } }
                    }
                }
                try await group.waitForAll()
            }
            #expect(server.requests.count == 145, "a dispatch, then 144 run reads")
            #expect(limit.refused == 0, "\(limit.refused) requests were refused")
            for manager in managers { try await manager.close() }
        }
    }
}
