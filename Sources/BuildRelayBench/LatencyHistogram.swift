import Histogram
import Synchronization

/// Latencies in nanoseconds (HdrHistogram, three significant digits), recorded from any thread.
final class LatencyHistogram: Sendable {
    private let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three))

    func record(nanoseconds: UInt64) {
        histogram.withLock { _ = $0.record(min(nanoseconds, 600_000_000_000)) }
    }

    /// Adds every value `other` recorded.
    func add(_ other: LatencyHistogram) {
        let values = other.histogram.withLock { $0 }
        histogram.withLock { $0.add(values) }
    }

    func reset() {
        histogram.withLock { $0.reset() }
    }

    var count: UInt64 { histogram.withLock { $0.totalCount } }

    /// The value at `percentile` (0–100) in milliseconds.
    func milliseconds(atPercentile percentile: Double) -> Double {
        Double(histogram.withLock { $0.valueAtPercentile(percentile) }) / 1e6
    }

    var maxMilliseconds: Double { Double(histogram.withLock { $0.max }) / 1e6 }
}
