import BuildRelayCore
import Foundation

/// Prints what `buildrelay events` reads, in the order given: each event (marking repeated ids), or with
/// `summary` one line per request. A summary line is printed at the end of the replay (``replayed(following:)``):
/// for every request when the command stops there, for the finished builds when it follows on; a build that
/// finishes while followed gets its line then.
struct EventPrinter {
    let formatter: StatusEventFormatter
    let summary: Bool
    /// Events before this time (ms since the Unix epoch) are skipped.
    let from: Int64
    private var seen = Set<String>()
    private var timelines: [String: BuildTimeline] = [:]
    /// Request ids in the order of their first event, for ``finish()``.
    private var order: [String] = []
    /// The replay is over: summary lines are printed as builds finish.
    private var live = false

    init(formatter: StatusEventFormatter, summary: Bool, from: Int64) {
        self.formatter = formatter
        self.summary = summary
        self.from = from
    }

    mutating func print(_ event: StatusEventLine) {
        guard event.time >= from else { return }
        let repeated = !seen.insert(event.id).inserted
        if var timeline = timelines[event.requestID] {
            let wasTerminal = timeline.status.isTerminal
            timeline.add(event, repeated: repeated)
            timelines[event.requestID] = timeline
            if summary, live, !wasTerminal, timeline.status.isTerminal { emit(timeline.line) }
        } else {
            let timeline = BuildTimeline(event)
            timelines[event.requestID] = timeline
            order.append(event.requestID)
            if summary, live, timeline.status.isTerminal { emit(timeline.line) }
        }
        if !summary { emit(formatter.format(event, repeated: repeated)) }
    }

    /// The terminal status of `requestID`'s build, once one of its events said so.
    func terminalStatus(of requestID: String) -> BuildStatus? {
        timelines[requestID].flatMap { $0.status.isTerminal ? $0.status : nil }
    }

    /// The events already in the topic have been printed; with `summary`, their lines are printed now: every
    /// request's, or only the finished builds' when `following`.
    mutating func replayed(following: Bool) {
        live = true
        guard summary else { return }
        for id in order {
            if let timeline = timelines[id], timeline.status.isTerminal || !following { emit(timeline.line) }
        }
    }

    private func emit(_ line: String) {
        Swift.print(line)
        fflush(nil)
    }
}
