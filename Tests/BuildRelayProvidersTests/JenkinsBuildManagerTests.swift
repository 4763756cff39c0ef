import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
import Testing

/// Jenkins against its fake: what the provider sends, queue items and builds, expired items, crumbs, cancels.
@Suite("Jenkins provider", .timeLimit(.minutes(3)))
struct JenkinsBuildManagerTests {
    static let changes = [BuildChange(uris: ["github://acme/api/pull/3/abcdef1234567"])]

    @Test("trigger posts the contract's parameters to the nested job with basic auth and keeps the queue item from Location")
    func triggerPostsParameters() async throws {
        try await FakeJenkins.withManager { manager, fake, server in
            let buildTriggered = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: ["author": "kim"], requestID: RequestID(rawValue: "req-j1")!)
            let (build, status) = (buildTriggered.id, buildTriggered.status)
            #expect(build == BuildID("queue-100"))
            #expect(status == .accepted)
            let post = try #require(server.requests.first { $0.method == "POST" })
            #expect(post.path == ["job", "api", "job", "nightly", "buildWithParameters"])
            #expect(post.headers["authorization"] == "Basic " + Data("\(FakeJenkins.user):\(FakeJenkins.token)".utf8).base64EncodedString())
            #expect(post.headers["content-type"] == "application/x-www-form-urlencoded")
            let parameters = try #require(fake.items.first?.parameters)
            #expect(parameters["BUILDRELAY_REQUEST_ID"] == "req-j1")
            #expect(parameters["BUILDRELAY_QUEUE"] == "nightly")
            #expect(parameters["BUILDRELAY_METADATA"] == #"{"author":"kim"}"#)
            #expect(parameters["BUILDRELAY_CHANGES"] == #"[{"action":"validate","uris":["github://acme/api/pull/3/abcdef1234567"]}]"#)
        }
    }

    @Test("a retried trigger adopts its earlier queue item, or the build it started, instead of starting another")
    func retriedTriggerAdoptsTheEarlierOne() async throws {
        try await FakeJenkins.withManager { manager, fake, server in
            let id = RequestID(rawValue: "req-again")!
            let first = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: id).id
            let other = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-other")!).id
            #expect(other != first)
            // Still waiting in the queue: found there.
            let queuedTriggered = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: id)
            let (queued, queuedStatus) = (queuedTriggered.id, queuedTriggered.status)
            #expect(queued == first)
            #expect(queuedStatus == .accepted)
            #expect(server.requests.contains { $0.method == "GET" && $0.path == ["queue", "api", "json"] && $0.query["tree"]?.contains("parameters") == true })
            // Started, and its queue item long gone: found among the job's builds by its parameters.
            fake.startWaitingBuilds()
            fake.expireQueueItems()
            let started = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: id).id
            #expect(started == first)
            #expect(fake.items.count == 2)
            #expect(fake.builds.count == 2)
            let report = try await manager.status(started)
            let (status, metadata) = (report.status, report.metadata)
            #expect(status == .running || status == .succeeded)
            #expect(metadata["jenkins.build"] == String(fake.builds.first { $0.queueID == 100 }?.number ?? -1))
        }
    }

    @Test("a queued item is accepted, its started build running, then its result maps as the contract says", arguments: [
        ("SUCCESS", BuildStatus.succeeded), ("FAILURE", .failed), ("UNSTABLE", .failed), ("NOT_BUILT", .failed), ("ABORTED", .cancelled),
    ])
    func resultsMap(_ result: String, _ expected: BuildStatus) async throws {
        try await FakeJenkins.withManager { manager, fake, _ in
            fake.outcome = result
            let build = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-map")!).id
            let queued = try await manager.status(build)
            #expect(queued.status == .accepted)
            #expect(queued.metadata["jenkins.queue"] == "Waiting for next available executor")
            #expect(try await manager.status(build).status == .running)
            let report = try await manager.status(build)
            let (status, metadata) = (report.status, report.metadata)
            #expect(status == expected)
            #expect(metadata["url"] == "http://jenkins.invalid/job/api/job/nightly/1/")
            #expect(metadata["jenkins.build"] == "1")
        }
    }

    @Test("a build first polled after its queue item expired is found by queueId and tracked to its end")
    func expiredQueueItemIsFoundByQueueID() async throws {
        try await FakeJenkins.withManager { manager, fake, server in
            fake.outcome = nil
            let build = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-old")!).id
            fake.startWaitingBuilds()
            fake.expireQueueItems()
            // Another worker, after a takeover: nothing remembered.
            try await JenkinsBuildManager(configuration: manager.configuration, logger: testLogger()).closing { other in
                #expect(try await other.status(build).status == .running)
                #expect(server.requests.contains { $0.path == ["job", "api", "job", "nightly", "api", "json"] })
                fake.outcome = "SUCCESS"
                _ = try await other.status(build)
                #expect(try await other.status(build).status == .succeeded)
            }
        }
    }

    @Test("polls falling due together are two reads: the job's latest 100 builds, matched by queue item, then the queue for the rest")
    func batchedStatuses() async throws {
        try await FakeJenkins.withManager { manager, fake, server in
            fake.outcome = nil
            var builds: [BuildID] = []
            for index in 1...3 {
                builds.append(try await manager.trigger(TriggerRequest(
                    requestID: RequestID(rawValue: "req-batch-\(index)")!, queue: "nightly", changes: Self.changes, mayHaveStarted: false)).id)
            }
            fake.startWaitingBuilds()
            let queued = try await manager.trigger(TriggerRequest(
                requestID: RequestID(rawValue: "req-batch-queued")!, queue: "nightly", changes: Self.changes, mayHaveStarted: false)).id
            let before = server.requests.count
            let first = try await manager.statuses(of: builds + [queued, BuildID("queue-424242")])
            #expect(Set(first.keys) == Set(builds + [queued]), "every build asked for, and nothing for an unknown item")
            #expect(builds.allSatisfy { first[$0]?.status == .running })
            #expect(first[queued]?.status == .accepted && first[queued]?.metadata["jenkins.queue"] == "Waiting for next available executor")
            let reads = server.requests.dropFirst(before)
            #expect(reads.map(\.description) == ["GET /job/api/job/nightly/api/json", "GET /queue/api/json"], "two requests for all of them")
            #expect(reads.first?.query["tree"] == "builds[number,queueId,building,result,url]{0,100}")
            fake.outcome = "SUCCESS"
            _ = try await manager.statuses(of: builds + [queued])
            _ = try await manager.statuses(of: builds + [queued])
            let finished = try await manager.statuses(of: builds + [queued])
            #expect(finished.count == 4 && finished.values.allSatisfy { $0.status == .succeeded && $0.metadata["url"] != nil }, "\(finished)")
        }
    }

    @Test("cancel uses cancelItem while queued and stop while running")
    func cancelWhileQueuedAndRunning() async throws {
        try await FakeJenkins.withManager { manager, fake, server in
            fake.outcome = nil
            let queued = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-q")!).id
            try await manager.cancel(queued)
            #expect(server.requests.contains { $0.path == ["queue", "cancelItem"] && $0.query["id"] == "100" })
            #expect(try await manager.status(queued).status == .cancelled)

            let running = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-r")!).id
            fake.startWaitingBuilds()
            #expect(try await manager.status(running).status == .running)
            try await manager.cancel(running)
            #expect(server.requests.contains { $0.method == "POST" && $0.path.last == "stop" })
            #expect(try await manager.status(running).status == .cancelled)
            #expect(fake.builds.first?.stopped == true)
        }
    }

    @Test("a running build that ignores stop gets term, then kill, each once stopEscalationDelay has passed since the last")
    func stopEscalates() async throws {
        // Before the delay: stop only, however often the build is polled.
        try await FakeJenkins.withManager(stopEscalationDelay: .seconds(3600)) { manager, fake, _ in
            fake.outcome = nil
            fake.ignoredStops = 2
            let build = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-patient")!).id
            fake.startWaitingBuilds()
            #expect(try await manager.status(build).status == .running)
            try await manager.cancel(build)
            for _ in 0..<3 { #expect(try await manager.status(build).status == .running) }
            #expect(fake.builds.first?.stopRequests == ["stop"])
        }
        // Once it passed (no delay here): term at the next read, kill at the one after, and the build ends cancelled.
        try await FakeJenkins.withManager(stopEscalationDelay: .zero) { manager, fake, _ in
            fake.outcome = nil
            fake.ignoredStops = 2  // a Pipeline build that ends only when killed
            let build = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-stuck")!).id
            fake.startWaitingBuilds()
            #expect(try await manager.status(build).status == .running)
            try await manager.cancel(build)
            #expect(try await manager.status(build).status == .running)
            #expect(fake.builds.first?.stopRequests == ["stop", "term"])
            #expect(try await manager.status(build).status == .running)
            #expect(fake.builds.first?.stopRequests == ["stop", "term", "kill"])
            #expect(try await manager.status(build).status == .cancelled)
        }
    }

    @Test("a trigger Jenkins merges into an identical waiting item (303) adopts that item")
    func mergedTriggerIsAdopted() async throws {
        try await FakeJenkins.withManager { manager, fake, server in
            fake.outcome = nil
            let request = TriggerRequest(requestID: RequestID(rawValue: "req-twice")!, queue: "nightly", changes: Self.changes, mayHaveStarted: false)
            let first = try await manager.trigger(request)
            let second = try await manager.trigger(request)
            #expect(server.requests.filter { $0.path.last == "buildWithParameters" }.count == 2)
            #expect(second == first)
            #expect(fake.items.count == 1)
        }
    }

    @Test("when Jenkins asks for a CSRF crumb, the provider fetches one and posts again")
    func crumbIsFetchedWhenAskedFor() async throws {
        try await FakeJenkins.withManager { manager, fake, server in
            fake.requireCrumb = true
            let build = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-crumb")!).id
            #expect(build == BuildID("queue-100"))
            #expect(server.requests.map(\.description) == [
                "GET /queue/api/json", "GET /job/api/job/nightly/api/json",  // no earlier trigger of this request
                "POST /job/api/job/nightly/buildWithParameters", "GET /crumbIssuer/api/json", "POST /job/api/job/nightly/buildWithParameters",
            ])
            #expect(server.requests.last?.headers["jenkins-crumb"] == FakeJenkins.crumb)
            #expect(fake.items.count == 1)
        }
    }

    @Test("an unknown job is a user error naming the setting; bad credentials a user error without the token")
    func configurationErrors() async throws {
        try await FakeJenkins.withManager(job: "api/no-such-job") { manager, _, _ in
            let error = await #expect(throws: BuildError.self) {
                _ = try await manager.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-404")!)
            }
            #expect(error?.kind == .user)
            #expect(error?.message.contains("jenkins.job") == true)
        }
        try await FakeJenkins.withManager { manager, _, server in
            let wrong = JenkinsBuildManager(configuration: JenkinsConfiguration(
                url: server.baseURL, job: FakeJenkins.job, user: Secret(FakeJenkins.user), token: Secret("not-the-token-42"),
                credentialsSetting: "queues.nightly.jenkins.tokenEnv (JENKINS_TOKEN)"), logger: testLogger())
            try await wrong.closing { wrong in
                let error = await #expect(throws: BuildError.self) {
                    _ = try await wrong.trigger(queue: "nightly", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-401")!)
                }
                #expect(error?.kind == .user)
                #expect(error?.message.contains("queues.nightly.jenkins.tokenEnv") == true)
                #expect(error?.message.contains("not-the-token-42") == false)
            }
        }
    }
}
