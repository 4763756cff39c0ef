import Foundation

/// A status event as read back from the status topic.
struct ObservedEvent: Sendable {
    var bytes: [UInt8]
    var id: String
    var requestID: String
    var sequence: Int
    var status: String
    var buildID: String?
    /// `data.error.kind` of a `failed` event.
    var errorKind: String?
    var errorMessage: String?
    /// The event's `time`, in ms since the Unix epoch.
    var timeMilliseconds: Int64

    var isTerminal: Bool { ["succeeded", "failed", "cancelled"].contains(status) }

    /// Parses a CloudEvents status event; `nil` if it is not one.
    init?(_ bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let id = object["id"] as? String, let time = object["time"] as? String,
              let data = object["data"] as? [String: Any], let requestID = data["requestId"] as? String,
              let sequence = data["sequence"] as? Int, let status = data["status"] as? String,
              let date = Self.timeFormat.date(from: time) else { return nil }
        self.bytes = bytes
        self.id = id
        self.requestID = requestID
        self.sequence = sequence
        self.status = status
        self.buildID = data["buildId"] as? String
        self.errorKind = (data["error"] as? [String: Any])?["kind"] as? String
        self.errorMessage = (data["error"] as? [String: Any])?["message"] as? String
        self.timeMilliseconds = Int64(date.timeIntervalSince1970 * 1000)
    }

    nonisolated(unsafe) private static let timeFormat: ISO8601DateFormatter = {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return format
    }()
}
