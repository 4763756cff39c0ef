import BuildRelayFakes

/// The contract's promises, checked over what a scenario published: for every request, exactly one terminal event
/// (by distinct event id), sequences 1…n without gaps, no event id with two contents, one build per request, and
/// a cancelled request ending `cancelled` unless its build ended first.
struct InvariantReport {
    var requests = 0
    /// Requests without a terminal event.
    var lostTerminal = 0
    /// Requests with more than one distinct terminal event.
    var extraTerminal = 0
    var sequenceGaps = 0
    /// Event ids published with two different contents.
    var conflictingIDs = 0
    /// Byte-identical copies of an event (allowed after a failure; counted).
    var identicalRepeats = 0
    /// Requests that got more than one build (distinct build ids in their events).
    var duplicateTriggers = 0
    var cancelsSent = 0
    var cancelsEndedCancelled = 0
    /// Cancelled requests that ended otherwise although their build was still planned to run well after the cancel
    /// was sent (a lost or ignored cancel).
    var cancelsIgnored = 0
    var problems: [String] = []
    /// What the run noticed that breaks no promise (shown with the scenario's result).
    var notes: [String] = []

    /// How long after a cancel was sent a build may still end on its own without the cancel counting as ignored:
    /// the cancel may wait behind a rebalance (about `session.timeout.ms`) or a killed worker's takeover.
    static let cancelGrace: Int64 = 20_000

    /// `cancels` maps a cancelled request id to when its cancel was sent (ms since the Unix epoch); `describe` says
    /// where a request's commands went, for the problem of a request without its terminal event.
    init(events: [String: [StatusEventView]], requestIDs: [String], cancels: [String: Int64], describe: (String) -> String = { _ in "" }) {
        requests = requestIDs.count
        cancelsSent = cancels.count
        for id in requestIDs {
            var unique: [String: StatusEventView] = [:]
            for event in events[id] ?? [] {
                if let seen = unique[event.id] {
                    if seen.bytes == event.bytes { identicalRepeats += 1 } else {
                        conflictingIDs += 1
                        note("\(event.id) published with two contents")
                    }
                } else {
                    unique[event.id] = event
                }
            }
            let stream = unique.values.sorted { $0.sequence < $1.sequence }
            if stream.map(\.sequence) != Array(1...max(1, stream.count)) {
                sequenceGaps += 1
                note("\(id): sequences \(stream.map(\.sequence))")
            }
            let terminal = stream.filter(\.isTerminal)
            if terminal.isEmpty {
                lostTerminal += 1
                note("\(id): no terminal event (statuses \(stream.map(\.status)); \(describe(id)))")
            } else if terminal.count > 1 {
                extraTerminal += 1
                note("\(id): terminal events \(terminal.map(\.status))")
            }
            if Set(stream.compactMap(\.buildID)).count > 1 {
                duplicateTriggers += 1
                note("\(id): builds \(Set(stream.compactMap(\.buildID)).sorted())")
            }
            if let sentAt = cancels[id], let last = terminal.last {
                if last.status == "cancelled" {
                    cancelsEndedCancelled += 1
                } else if let plannedEnd = Self.simulatedPlannedEnd(last.buildID), plannedEnd > sentAt + Self.cancelGrace {
                    cancelsIgnored += 1
                    note("\(id): cancelled at \(sentAt), ended \(last.status); its build was planned to run until \(plannedEnd)")
                }
            }
        }
    }

    /// Every promise kept.
    var holds: Bool { lostTerminal == 0 && extraTerminal == 0 && sequenceGaps == 0 && conflictingIDs == 0 && duplicateTriggers == 0 && cancelsIgnored == 0 }

    private mutating func note(_ problem: String) {
        if problems.count < 10 { problems.append(problem) }
    }

    /// The end a `simulated` build id plans (`sim:<start ms>:<duration ms>:…`).
    static func simulatedPlannedEnd(_ buildID: String?) -> Int64? {
        guard let fields = buildID?.split(separator: ":"), fields.count > 3, fields[0] == "sim",
              let start = Int64(fields[1]), let duration = Int64(fields[2]) else { return nil }
        return start + duration
    }
}
