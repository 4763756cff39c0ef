import BuildRelayCore

/// What every ``BuildManager`` guarantees (its implementation guidance), as checks that any provider package runs
/// against its own manager, in whatever test framework it uses:
///
/// ```swift
/// for check in BuildManagerConformance.Check.allCases {
///     try await BuildManagerConformance.run(check, on: ConformanceSubject(name: "acme", hasNonTerminalBuilds: true) { AcmeBuildManager() })
/// }
/// ```
///
/// A check that does not hold throws a ``ConformanceFailure``; one that does not apply (cancelling a build that is
/// always finished already) passes.
public enum BuildManagerConformance {
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case triggerThenPoll
        case cancelEndsCancelled
        case cancelOfFinishedBuildIsNoOp
        case unknownBuildIsClassified
        case concurrentTriggersAreDistinct
        case closeIsIdempotentAndFinal
        case batchStatusReportsWhatItKnows

        /// The guarantee, as the protocol's guidance states it.
        public var summary: String {
            switch self {
            case .triggerThenPoll: "trigger returns accepted or a terminal status, and polling reaches a terminal status through valid transitions"
            case .cancelEndsCancelled: "cancelling a build that has not finished ends it cancelled"
            case .cancelOfFinishedBuildIsNoOp: "cancelling a finished build is a no-op: it keeps its terminal status"
            case .unknownBuildIsClassified: "an unknown build id is a BuildError with code unknown-build that names the id"
            case .concurrentTriggersAreDistinct: "100 concurrent triggers of distinct request ids make 100 distinct builds"
            case .closeIsIdempotentAndFinal: "close is idempotent and every later call throws manager-closed"
            case .batchStatusReportsWhatItKnows:
                "statuses(of:) reports only builds it was asked for, leaves an unknown one out instead of failing, and follows builds to their end"
            }
        }

        public var description: String { summary }
    }

    static let changes = [BuildChange(uris: ["github://acme/api/pull/1/abc"])]

    /// Runs `check` on a new manager of `subject`. `pollDeadline` bounds how long a build may take to finish.
    public static func run(_ check: Check, on subject: ConformanceSubject, pollDeadline: Duration = .seconds(20)) async throws {
        let context = Context(check: check, subject: subject.name, pollDeadline: pollDeadline)
        if check == .cancelEndsCancelled, !subject.hasNonTerminalBuilds { return }
        try await subject.withManager { manager in try await context.run(on: manager) }
    }

    private struct Context: Sendable {
        let check: Check
        let subject: String
        let pollDeadline: Duration

        func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw ConformanceFailure(check: check, subject: subject, message: message()) }
        }

        func id(_ text: String) -> RequestID { RequestID(rawValue: text)! }

        func trigger(_ manager: any BuildManager, _ requestID: String) async throws -> TriggeredBuild {
            try await manager.trigger(queue: "q", changes: BuildManagerConformance.changes, metadata: ["author": "kim"], requestID: id(requestID))
        }

        /// Polls until the build is terminal, returning every distinct status seen, in order.
        func pollToTerminal(_ manager: any BuildManager, _ build: BuildID, first: BuildStatus) async throws -> [BuildStatus] {
            var seen = [first]
            var status = first
            let deadline = ContinuousClock.now + pollDeadline
            while !status.isTerminal {
                try require(ContinuousClock.now < deadline, "build \(build) did not finish within \(pollDeadline); statuses seen: \(seen)")
                try await Task.sleep(for: .milliseconds(20))
                status = try await manager.status(build).status
                if status != seen.last { seen.append(status) }
            }
            return seen
        }

        /// Runs `body`, which must throw a ``BuildError``; returns it.
        func expectBuildError(_ what: String, _ body: () async throws -> Void) async throws -> BuildError {
            do {
                try await body()
            } catch let error as BuildError {
                return error
            } catch {
                throw ConformanceFailure(check: check, subject: subject, message: "\(what) threw \(type(of: error)) (\(error)), not a BuildError")
            }
            throw ConformanceFailure(check: check, subject: subject, message: "\(what) did not throw")
        }

        func run(on manager: any BuildManager) async throws {
            switch check {
            case .triggerThenPoll:
                let triggered = try await trigger(manager, "conf-1")
                try require(triggered.status == .accepted || triggered.status.isTerminal, "trigger returned \(triggered.status)")
                let statuses = try await pollToTerminal(manager, triggered.id, first: triggered.status)
                let order: [BuildStatus] = [.accepted, .running, .succeeded]
                for (earlier, later) in zip(statuses, statuses.dropFirst()) where !later.isTerminal {
                    try require((order.firstIndex(of: earlier) ?? 0) < (order.firstIndex(of: later) ?? 0), "went back: \(statuses)")
                }
                try require(statuses.last == .succeeded || statuses.last == .failed, "ended \(statuses)")
            case .cancelEndsCancelled:
                let triggered = try await trigger(manager, "conf-cancel")
                try require(!triggered.status.isTerminal, "trigger returned the terminal \(triggered.status)")
                try await manager.cancel(triggered.id)
                let statuses = try await pollToTerminal(manager, triggered.id, first: try await manager.status(triggered.id).status)
                try require(statuses.last == .cancelled, "ended \(statuses)")
            case .cancelOfFinishedBuildIsNoOp:
                let triggered = try await trigger(manager, "conf-done")
                let final = try await pollToTerminal(manager, triggered.id, first: triggered.status).last!
                try await manager.cancel(triggered.id)
                let after = try await manager.status(triggered.id).status
                try require(after == final, "\(final) became \(after) after a cancel")
            case .unknownBuildIsClassified:
                let error = try await expectBuildError("status of an unknown build") { _ = try await manager.status(BuildID("no-such-build")) }
                try require(error.code == .unknownBuild, "the code is \(error.code)")
                try require(error.message.contains("no-such-build"), "the message does not name the id: \(error.message)")
                _ = try await expectBuildError("cancel of an unknown build") { try await manager.cancel(BuildID("no-such-build")) }
            case .concurrentTriggersAreDistinct:
                let builds = try await withThrowingTaskGroup(of: BuildID.self) { group in
                    for index in 0..<100 { group.addTask { try await trigger(manager, "conf-many-\(index)").id } }
                    return try await group.reduce(into: Set<BuildID>()) { $0.insert($1) }
                }
                try require(builds.count == 100, "\(builds.count) distinct builds")
            case .batchStatusReportsWhatItKnows:
                let first = try await trigger(manager, "conf-batch-1")
                let second = try await trigger(manager, "conf-batch-2")
                let unknown = BuildID("no-such-build")
                let deadline = ContinuousClock.now + pollDeadline
                var reports: [BuildID: BuildStatusReport] = [:]
                repeat {
                    try require(ContinuousClock.now < deadline, "the builds did not finish within \(pollDeadline); last answer: \(reports)")
                    try await Task.sleep(for: .milliseconds(20))
                    reports = try await manager.statuses(of: [first.id, second.id, unknown])
                    try require(Set(reports.keys).isSubset(of: [first.id, second.id]), "reported builds it was not asked for: \(reports.keys)")
                } while !((reports[first.id]?.status.isTerminal ?? false) && (reports[second.id]?.status.isTerminal ?? false))
            case .closeIsIdempotentAndFinal:
                let build = try await trigger(manager, "conf-close").id
                try await manager.close()
                try await manager.close()
                let error = try await expectBuildError("trigger after close") { _ = try await trigger(manager, "conf-close-2") }
                try require(error.code == .managerClosed, "the code is \(error.code)")
                _ = try await expectBuildError("status after close") { _ = try await manager.status(build) }
                _ = try await expectBuildError("cancel after close") { try await manager.cancel(build) }
            }
        }
    }
}
