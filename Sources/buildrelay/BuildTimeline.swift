import BuildRelayCore
import Foundation

/// What `buildrelay events --summary` knows of one request: its latest event, when its first one came, and how many
/// there were.
struct BuildTimeline {
    /// The event with the highest sequence so far.
    var latest: StatusEventLine
    var firstTime: Int64
    var events = 1
    var repeats = 0

    init(_ event: StatusEventLine) {
        latest = event
        firstTime = event.time
    }

    var status: BuildStatus { latest.status }

    mutating func add(_ event: StatusEventLine, repeated: Bool) {
        if repeated { repeats += 1; return }
        events += 1
        if event.sequence > latest.sequence { latest = event }
    }

    /// `req-1  sim  succeeded  #3  build sim-9  2026-12-07T17:40:03.112Z  took 3.41s  (3 events)`.
    var line: String {
        var text = "\(latest.requestID)  \(latest.queue.isEmpty ? "-" : latest.queue)  \(latest.status.rawValue)  #\(latest.sequence)"
        if let buildID = latest.buildID { text += "  build \(buildID)" }
        text += "  \(StatusEventFormatter.time(firstTime))"
        let seconds = Double(latest.time - firstTime) / 1000
        text += latest.status.isTerminal ? "  took \(String(format: "%.2f", seconds))s" : "  for \(String(format: "%.2f", seconds))s so far"
        text += "  (\(events) event\(events == 1 ? "" : "s")\(repeats > 0 ? ", \(repeats) repeated" : ""))"
        if let error = latest.error, latest.status == .failed { text += "  error \(error)" }
        return text
    }
}
