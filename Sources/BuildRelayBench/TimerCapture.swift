import CoreMetrics

/// A swift-metrics backend that records one timer (by label) into a ``LatencyHistogram`` and drops every other
/// metric: how the benchmarks read the worker's own measurements, such as its status-poll lag.
struct TimerCapture: MetricsFactory {
    let label: String
    let histogram: LatencyHistogram

    private final class Recording: TimerHandler, Sendable {
        let histogram: LatencyHistogram
        init(histogram: LatencyHistogram) { self.histogram = histogram }
        func recordNanoseconds(_ duration: Int64) { histogram.record(nanoseconds: UInt64(max(0, duration))) }
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        label == self.label ? Recording(histogram: histogram) : NOOPMetricsHandler.instance
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { NOOPMetricsHandler.instance }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
