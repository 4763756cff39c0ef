import BuildRelayCore
import Foundation

/// Readable text for ``BuildSummary`` values: a block for one build, a table for many. Times are UTC.
struct BuildSummaryFormatter {
    /// The moment durations are counted to, in ms since the Unix epoch.
    var now: Int64

    /// `status`'s answer: the status and since when on the first line, then one detail per line.
    func detail(_ summary: BuildSummary) -> String {
        var lines = ["\(summary.requestID): \(summary.status) since \(Self.utc(summary.statusSince)) (\(Self.elapsed(now - summary.statusSince)))"]
        func add(_ label: String, _ value: String) { lines.append("  " + label.padding(toLength: 11, withPad: " ", startingAt: 0) + value) }
        add("queue", summary.queue.isEmpty ? "-" : summary.queue)
        add("build", summary.buildID?.rawValue ?? "-")
        add("sequence", String(summary.sequence))
        add("partition", "\(summary.partition) (its owner follows the build)")
        if let triggeredAt = summary.triggeredAt { add("triggered", Self.utc(triggeredAt)) }
        if let settledAt = summary.settledAt { add("settled", Self.utc(settledAt)) }
        if summary.cancelRequested { add("cancel", "requested" + (summary.metadata["cancelReason"].map { ": \($0)" } ?? "")) }
        if let error = summary.error { add("error", "\(error.kind.rawValue)\(error.isRetryable ? " (retryable)" : ""): \(error.message)") }
        for key in summary.metadata.entries.keys.sorted() where key != "cancelReason" {
            add("metadata", "\(key)=\(summary.metadata[key] ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    /// `builds`'s answer: a header and one line per build, in the order given.
    func table(_ summaries: [BuildSummary]) -> String {
        let header = ["REQUEST ID", "QUEUE", "STATUS", "SINCE (UTC)", "FOR", "BUILD", "PARTITION"]
        let rows = summaries.map { summary in
            [summary.requestID.rawValue, summary.queue.isEmpty ? "-" : summary.queue, summary.status.rawValue, Self.utc(summary.statusSince),
             Self.elapsed(now - summary.statusSince), summary.buildID?.rawValue ?? "-", String(summary.partition)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, text in
                column == row.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `2026-12-07T17:40:03Z`.
    static func utc(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
    }

    /// `45s`, `3m12s`, `2h05m`, `3d04h`.
    static func elapsed(_ milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds) / 1000
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s"
        case ..<86_400: return "\(seconds / 3600)h\(String(format: "%02d", seconds / 60 % 60))m"
        default: return "\(seconds / 86_400)d\(String(format: "%02d", seconds / 3600 % 24))h"
        }
    }
}
