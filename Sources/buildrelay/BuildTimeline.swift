import BuildRelayCore

/// What `buildrelay events --summary` knows of one request: its first and latest event.
struct BuildTimeline {
    var requestID: String
    var queue: String
    var status: BuildStatus
    var sequence: Int
    var buildID: String?
    var error: String?
    var firstTime: Int64
    var lastTime: Int64
    var events = 1
    var repeats = 0

    init(_ event: StatusEventLine) {
        requestID = event.requestID
        queue = event.queue
        status = event.status
        sequence = event.sequence
        buildID = event.buildID
        error = event.error
        firstTime = event.time
        lastTime = event.time
    }

    mutating func add(_ event: StatusEventLine, repeated: Bool) {
        if repeated { repeats += 1; return }
        events += 1
        guard event.sequence > sequence else { return }
        status = event.status
        sequence = event.sequence
        buildID = event.buildID ?? buildID
        error = event.error ?? error
        lastTime = event.time
    }

    /// `req-1  sim  succeeded  #3  build sim-9  2026-12-07T17:40:03.112Z  took 3.41s  (3 events)`.
    var line: String {
        var text = "\(requestID)  \(queue.isEmpty ? "-" : queue)  \(status.rawValue)  #\(sequence)"
        if let buildID { text += "  build \(buildID)" }
        text += "  \(StatusEventFormatter.time(firstTime))"
        let seconds = Double(lastTime - firstTime) / 1000
        text += status.isTerminal ? "  took \(String(format: "%.2f", seconds))s" : "  for \(String(format: "%.2f", seconds))s so far"
        text += "  (\(events) event\(events == 1 ? "" : "s")\(repeats > 0 ? ", \(repeats) repeated" : ""))"
        if let error, status == .failed { text += "  error \(error)" }
        return text
    }
}
