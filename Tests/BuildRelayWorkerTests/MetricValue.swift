/// The value of a sample (`name{labels}`) in Prometheus text format; 0 when absent.
func metricValue(_ sample: String, in text: String) -> Double {
    text.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
}
