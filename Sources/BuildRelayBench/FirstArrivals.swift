import Synchronization

/// Which of `count` requests were seen at least once, timing the first record of each into a histogram. Records of
/// indexes from `count` on are warm-up: they are only noted.
final class FirstArrivals: Sendable {
    private let seen: Mutex<(flags: [Bool], distinct: Int)>
    private let warmUps = Atomic<Int>(0)
    let latencies = LatencyHistogram()
    let count: Int

    init(count: Int) {
        self.count = count
        seen = Mutex((flags: [Bool](repeating: false, count: count), distinct: 0))
    }

    /// Records the record with `key` (a ``RequestKey``) that arrived at `arrivedAt` if it is its request's first.
    func record(key: [UInt8]?, arrivedAt: UInt64) {
        guard let key, let (index, sentAt) = RequestKey.parse(key) else { return }
        guard index < count else {
            warmUps.add(1, ordering: .relaxed)
            return
        }
        let first = seen.withLock { seen in
            guard !seen.flags[index] else { return false }
            seen.flags[index] = true
            seen.distinct += 1
            return true
        }
        if first { latencies.record(nanoseconds: arrivedAt &- sentAt) }
    }

    var distinct: Int { seen.withLock { $0.distinct } }

    /// Warm-up records seen.
    var warmUpCount: Int { warmUps.load(ordering: .relaxed) }

    /// Waits until every request was seen, or throws after `timeout`.
    func waitForAll(timeout: Duration, what: String) async throws {
        let deadline = ContinuousClock.now + timeout
        while distinct < count {
            guard ContinuousClock.now < deadline else { throw BenchFailure("\(what): \(distinct) of \(count) arrived within \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
