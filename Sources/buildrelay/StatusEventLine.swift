import BuildRelayCore
import BuildRelayKafka
import Foundation

/// A `build.status` record read back: the event's fields that `buildrelay events` prints, sorts and summarises.
struct StatusEventLine {
    /// The CloudEvents `id` (`requestId:sequence`): the same id seen twice is a repeat.
    var id: String
    /// The event's `time`, in ms since the Unix epoch.
    var time: Int64
    var requestID: String
    var queue: String
    var status: BuildStatus
    var sequence: Int
    var buildID: String?
    /// `(kind): message` of a `failed` event's error.
    var error: String?
    var metadata: [String: String]
    /// The record as published.
    var message: KafkaMessage

    /// `nil` when the record is not a readable status event.
    init?(_ message: KafkaMessage) {
        guard let value = message.value, case .object(let event)? = try? JSONParser.parse(value), case .object(let data)? = event["data"],
            case .string(let id)? = event["id"], case .string(let time)? = event["time"], let milliseconds = Self.milliseconds(time),
            case .string(let requestID)? = data["requestId"], case .string(let statusName)? = data["status"],
            let status = BuildStatus(rawValue: statusName), case .number(let sequence)? = data["sequence"]
        else { return nil }
        self.id = id
        self.time = milliseconds
        self.requestID = requestID
        self.status = status
        self.sequence = Int(sequence)
        self.message = message
        if case .string(let queue)? = data["queue"] { self.queue = queue } else { self.queue = "" }
        if case .string(let buildID)? = data["buildId"] { self.buildID = buildID }
        if case .object(let error)? = data["error"], case .string(let kind)? = error["kind"], case .string(let text)? = error["message"] {
            self.error = "(\(kind)): \(text)"
        }
        var metadata: [String: String] = [:]
        if case .object(let entries)? = data["metadata"] {
            for (key, value) in entries { if case .string(let text) = value { metadata[key] = text } }
        }
        self.metadata = metadata
    }

    /// Milliseconds since the Unix epoch of an RFC 3339 time (as the workers write it, with milliseconds).
    static func milliseconds(_ text: String) -> Int64? {
        if let milliseconds = EventTime.milliseconds(fromFixedFormat: text) { return milliseconds }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text).map { Int64((($0.timeIntervalSince1970) * 1000).rounded()) }
    }
}
