import Synchronization

/// Which of `count` requests reached a terminal status event, and how many terminal events came for a request that
/// already had one, from status events keyed by ``RequestKey``.
final class TerminalOutcomes: Sendable {
    private struct Counts {
        var terminal: [Bool]
        var distinct = 0
        var repeated = 0
        var events = 0
    }

    private let counts: Mutex<Counts>
    let count: Int

    init(count: Int) {
        self.count = count
        counts = Mutex(Counts(terminal: [Bool](repeating: false, count: count)))
    }

    func record(key: [UInt8]?, value: [UInt8]?) {
        guard let key, let value, let (index, _) = RequestKey.parse(key), index < count else { return }
        let terminal = Self.isTerminal(value)
        counts.withLock { counts in
            counts.events += 1
            guard terminal else { return }
            if counts.terminal[index] {
                counts.repeated += 1
            } else {
                counts.terminal[index] = true
                counts.distinct += 1
            }
        }
    }

    /// Requests with a terminal event; terminal events beyond each request's first; all events.
    var snapshot: (distinct: Int, repeated: Int, events: Int) { counts.withLock { ($0.distinct, $0.repeated, $0.events) } }

    private static let statusField = Array(#""status":""#.utf8)
    private static let terminalStatuses = ["succeeded", "failed", "cancelled"].map { Array($0.utf8) }

    /// Whether the event's `status` is terminal (the encoder writes the field exactly as `"status":"…"`).
    static func isTerminal(_ event: [UInt8]) -> Bool {
        guard let start = event.firstRange(of: statusField)?.upperBound,
              let end = event[start...].firstIndex(of: UInt8(ascii: "\"")) else { return false }
        return terminalStatuses.contains { $0.elementsEqual(event[start..<end]) }
    }
}
