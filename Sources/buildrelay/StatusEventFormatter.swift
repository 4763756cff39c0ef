import BuildRelayCore
import BuildRelayKafka
import Foundation

/// Turns `build.status` and dead-letter records into one readable line each (or passes the JSON through).
/// Times are UTC, with the date: `2026-12-07T17:40:03.112Z`.
struct StatusEventFormatter {
    var json = false

    func format(_ message: KafkaMessage) -> String {
        if json { return String(decoding: message.value ?? [], as: UTF8.self) }
        if let reason = message.headers.firstValue(named: "buildrelay-error") {
            let key = message.key.map { String(decoding: $0.prefix(80), as: UTF8.self) } ?? "-"
            return "dead-letter  key \(key)  (\(message.headers.firstValue(named: "buildrelay-source-topic") ?? "?")[\(message.headers.firstValue(named: "buildrelay-source-partition") ?? "?")] offset \(message.headers.firstValue(named: "buildrelay-source-offset") ?? "?")): \(reason)"
        }
        guard let event = StatusEventLine(message) else { return unreadable(message) }
        return format(event, repeated: false)
    }

    /// One event; `repeated` marks an id printed before (a republish after a takeover: same bytes, same id).
    func format(_ event: StatusEventLine, repeated: Bool) -> String {
        if json { return String(decoding: event.message.value ?? [], as: UTF8.self) }
        var line = "\(Self.time(event.time))  \(pad(event.requestID, 18)) \(pad(event.queue, 8)) \(pad(event.status.rawValue, 10)) #\(event.sequence)"
        if let buildID = event.buildID { line += "  build \(buildID)" }
        if let error = event.error { line += "  error \(error)" }
        if !event.metadata.isEmpty {
            line += "  [\(event.metadata.keys.sorted().map { "\($0)=\(event.metadata[$0] ?? "")" }.joined(separator: " "))]"
        }
        if repeated { line += "  (repeat)" }
        return line
    }

    func unreadable(_ message: KafkaMessage) -> String {
        "unreadable event at \(message.topic)[\(message.partition)] offset \(message.offset)"
    }

    /// `2026-12-07T17:40:03.112Z`.
    static func time(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
