import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
import Testing

/// GitHub Actions against its fake: the dispatch, finding the run it made, statuses, cancels and rate limits.
@Suite("GitHub Actions provider", .timeLimit(.minutes(3)))
struct GitHubActionsBuildManagerTests {
    static let changes = [BuildChange(uris: ["github://acme/api/pull/5/0123456789abcdef"], action: .apply)]

    @Test("trigger dispatches the workflow on ref with the contract's inputs, the API's headers and the bearer token, and gets the run's id")
    func triggerDispatches() async throws {
        try await FakeGitHub.withManager { manager, fake, server in
            let triggered = try await manager.trigger(TriggerRequest(
                requestID: RequestID(rawValue: "req-g1")!, queue: "gha", changes: Self.changes, metadata: ["author": "kim"], mayHaveStarted: false))
            #expect(triggered == TriggeredBuild(id: BuildID("run-9001"), status: .accepted))
            #expect(server.requests.map(\.method) == ["POST"], "a first attempt is one request")
            let dispatch = try #require(server.requests.first { $0.method == "POST" })
            #expect(dispatch.bodyJSON?["return_run_details"] as? Bool == true)
            #expect(dispatch.path == ["repos", "acme", "api", "actions", "workflows", "ci.yml", "dispatches"])
            #expect(dispatch.headers["authorization"] == "Bearer \(FakeGitHub.token)")
            #expect(dispatch.headers["accept"] == "application/vnd.github+json")
            #expect(dispatch.headers["x-github-api-version"] == "2022-11-28")
            let run = try #require(fake.runs.first)
            #expect(run.ref == "main")
            #expect(run.inputs["buildrelay_request_id"] == "req-g1")
            #expect(run.inputs["buildrelay_queue"] == "gha")
            #expect(run.inputs["buildrelay_changes"] == #"[{"action":"apply","uris":["github://acme/api/pull/5/0123456789abcdef"]}]"#)
        }
    }

    @Test("a server that ignores return_run_details (204), or refuses it (GitHub Enterprise Server before 3.21), gets a dispatch; the run is found by its name")
    func dispatchWithoutRunDetails() async throws {
        try await FakeGitHub.withManager { manager, fake, server in
            fake.dispatchDetails = .ignored
            let ignored = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-204")!).id
            #expect(ignored.rawValue.hasPrefix("dispatch-") && ignored.rawValue.hasSuffix("-req-204"))
            #expect(try await manager.status(ignored).metadata["github.run"] == "9001")

            fake.dispatchDetails = .refused
            let before = server.requests.count
            let refused = try await manager.trigger(TriggerRequest(
                requestID: RequestID(rawValue: "req-ghes")!, queue: "gha", changes: Self.changes, mayHaveStarted: false))
            #expect(refused.id.rawValue.hasPrefix("dispatch-"))
            let posts = server.requests.dropFirst(before).filter { $0.method == "POST" }
            #expect(posts.map { $0.bodyJSON?["return_run_details"] as? Bool } == [true, nil], "sent again without the flag")
            #expect(fake.runs.count == 2, "the refused dispatch ran nothing")
            _ = try await manager.trigger(TriggerRequest(requestID: RequestID(rawValue: "req-ghes-2")!, queue: "gha", changes: Self.changes, mayHaveStarted: false))
            #expect(server.requests.last { $0.method == "POST" }?.bodyJSON?["return_run_details"] == nil, "the refusal is remembered")
        }
    }

    @Test("until the dispatched run shows in the runs list the build is accepted; then its status maps as the contract says")
    func runIsFoundByItsName() async throws {
        try await FakeGitHub.withManager { manager, fake, server in
            fake.dispatchDetails = .ignored
            fake.listsBeforeRunAppears = 2  // hidden from the next two looks (the trigger looked before dispatching)
            let build = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-late")!).id
            #expect(try await manager.status(build) == BuildStatusReport(status: .accepted, metadata: ["github.run": "pending"]))
            #expect(try await manager.status(build).status == .accepted)
            let list = try #require(server.requests.last { $0.path.last == "runs" })
            #expect(list.query["event"] == "workflow_dispatch")
            #expect(list.query["created"]?.hasPrefix(">=") == true)
            #expect(try await manager.status(build).status == .accepted)  // found: queued
            #expect(try await manager.status(build).status == .running)
            let report = try await manager.status(build)
            let (status, metadata) = (report.status, report.metadata)
            #expect(status == .succeeded)
            #expect(metadata["url"] == "https://github.com/acme/api/actions/runs/9001")
        }
    }

    @Test("run statuses and conclusions map as the contract says", arguments: [
        ("queued", nil, BuildStatus.accepted), ("requested", nil, .accepted), ("waiting", nil, .accepted), ("pending", nil, .accepted),
        ("in_progress", nil, .running), ("completed", "success", .succeeded), ("completed", "cancelled", .cancelled),
        ("completed", "failure", .failed), ("completed", "timed_out", .failed), ("completed", "startup_failure", .failed),
    ] as [(String, String?, BuildStatus)])
    func statusesMap(_ status: String, _ conclusion: String?, _ expected: BuildStatus) async throws {
        try await FakeGitHub.withManager { manager, fake, _ in
            let build = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-map")!).id
            fake.set(9001, status: status, conclusion: conclusion)
            fake.conclusion = nil
            #expect(try await manager.status(build).status == expected)
        }
    }

    @Test("a retried trigger finds the run the first dispatch made and dispatches nothing more")
    func retriedTriggerFindsTheRun() async throws {
        try await FakeGitHub.withManager { manager, fake, server in
            let id = RequestID(rawValue: "req-twice")!
            _ = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: id)
            let again = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: id).id
            #expect(again == BuildID("run-9001"))
            #expect(fake.runs.count == 1)
            #expect(server.requests.filter { $0.method == "POST" }.count == 1)
            // A request id that only shares a prefix is another request.
            _ = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-twice-2")!)
            #expect(fake.runs.count == 2)
        }
    }

    @Test("polls falling due together are one read of the runs list per 100 runs, newest first, stopping below the oldest asked for")
    func batchedStatuses() async throws {
        try await FakeGitHub.withManager { manager, fake, server in
            var builds: [BuildID] = []
            for index in 1...5 {
                builds.append(try await manager.trigger(TriggerRequest(
                    requestID: RequestID(rawValue: "req-batch-\(index)")!, queue: "gha", changes: Self.changes, mayHaveStarted: false)).id)
            }
            fake.addRuns(requestIDs: (1...150).map { "other-\($0)" })  // later dispatches: the five are on page 2
            let before = server.requests.count
            let first = try await manager.statuses(of: builds + [BuildID("run-424242")])
            #expect(Set(first.keys) == Set(builds), "every build asked for, and nothing for a run that is not there")
            #expect(first.values.allSatisfy { $0.status == .accepted })
            let reads = server.requests.dropFirst(before)
            #expect(reads.map(\.description) == Array(repeating: "GET /repos/acme/api/actions/workflows/ci.yml/runs", count: 2), "two pages of 100")
            #expect(reads.allSatisfy { $0.query["per_page"] == "100" && $0.query["created"] == nil })
            let second = try await manager.statuses(of: builds)
            #expect(second.values.allSatisfy { $0.status == .running }, "a poll's listing moves the runs on, as a GET would")
            #expect(second[builds[0]]?.metadata["url"] == "https://github.com/acme/api/actions/runs/\(fake.runs[0].id)")
        }
    }

    @Test("a retried trigger finds its run pages down the runs list, behind 150 later dispatches")
    func retriedTriggerFindsTheRunBeyondTheFirstPage() async throws {
        try await FakeGitHub.withManager { manager, fake, server in
            let id = RequestID(rawValue: "req-early")!
            _ = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: id)
            fake.addRuns(requestIDs: (1...150).map { "req-later-\($0)" })
            let again = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: id).id
            #expect(again == BuildID("run-9001"))
            #expect(server.requests.filter { $0.method == "POST" }.count == 1)
            #expect(server.requests.contains { $0.path.last == "runs" && $0.query["page"] == "2" && $0.query["per_page"] == "100" })
        }
    }

    @Test("a run that never appears fails the build with a user error about run-name")
    func missingRunNameIsAUserError() async throws {
        try await FakeGitHub.withManager(runAppearanceTimeout: .zero) { manager, fake, _ in
            fake.dispatchDetails = .ignored
            fake.listsBeforeRunAppears = 1_000
            let build = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-lost")!).id
            let error = await #expect(throws: BuildError.self) { _ = try await manager.status(build) }
            #expect(error?.kind == .user)
            #expect(error?.message.contains("run-name") == true)
        }
    }

    @Test("cancel posts to the run; a completed run's 409 is a no-op; a run not yet visible is a retryable error")
    func cancels() async throws {
        try await FakeGitHub.withManager { manager, fake, server in
            fake.conclusion = nil
            let build = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-stop")!).id
            try await manager.cancel(build)
            #expect(server.requests.contains { $0.method == "POST" && $0.path == ["repos", "acme", "api", "actions", "runs", "9001", "cancel"] })
            _ = try await manager.status(build)
            #expect(try await manager.status(build).status == .cancelled)
            try await manager.cancel(build)  // completed: 409, a no-op

            fake.dispatchDetails = .ignored
            fake.listsBeforeRunAppears = 1_000
            let hidden = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-hidden")!).id
            let error = await #expect(throws: BuildError.self) { try await manager.cancel(hidden) }
            #expect(error?.isRetryable == true)
        }
    }

    @Test("a 403 with x-ratelimit-remaining 0 is a rate limit, waited out until the reset, not a permission error")
    func primaryRateLimitIsWaitedOut() async throws {
        try await FakeGitHub.withManager { manager, _, server in
            let build = try await manager.trigger(queue: "gha", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-limit")!).id
            let reset = String(Int(Date().timeIntervalSince1970) + 1)
            server.inject(.respond(.json(403, ["message": "API rate limit exceeded"], headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": reset])))
            #expect(try await manager.status(build).status == .accepted)
        }
    }
}
