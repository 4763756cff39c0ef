import BuildRelayCore
import Foundation

/// What the contract says a CI job receives about its request, in the forms the providers pass it on.
struct CIJobInputs {
    var requestID: RequestID
    var queue: String
    var changes: [BuildChange]
    var metadata: BuildMetadata

    /// The ordered changes as JSON: `[{"action":"validate","uris":["…"]}, …]`.
    var changesJSON: String { Self.json(changes.map { ["uris": $0.uris, "action": $0.action.rawValue] as [String: Any] }) }

    /// The metadata as a JSON object.
    var metadataJSON: String { Self.json(metadata.entries) }

    /// The variable (Jenkins parameter) carrying the request id, by which a provider finds an earlier trigger.
    static let requestIDVariable = "BUILDRELAY_REQUEST_ID"
    /// The variable carrying the queue.
    static let queueVariable = "BUILDRELAY_QUEUE"

    /// The build's metadata keys (Buildkite's `meta_data`) naming its request id and queue: how a lookup and a
    /// webhook find the request a build belongs to.
    static let requestIDMetadataKey = "buildrelay_request_id"
    static let queueMetadataKey = "buildrelay_queue"

    /// `BUILDRELAY_REQUEST_ID`, `BUILDRELAY_QUEUE`, `BUILDRELAY_CHANGES` and `BUILDRELAY_METADATA` (Buildkite's
    /// `env`, Jenkins's parameters).
    var variables: [String: String] {
        [Self.requestIDVariable: requestID.rawValue, Self.queueVariable: queue,
         "BUILDRELAY_CHANGES": changesJSON, "BUILDRELAY_METADATA": metadataJSON]
    }

    /// The commit to build: the last change's revision (the last path segment of its last URI, when it is a hex
    /// commit hash, as in `github://acme/api/pull/123/9fceb02…`), else `HEAD`.
    var revision: String {
        guard let uri = changes.last?.uris.last, let segment = uri.split(separator: "/").last,
              (7...64).contains(segment.count), segment.allSatisfy(\.isHexDigit) else { return "HEAD" }
        return String(segment)
    }

    /// A one-line description of the request, for build titles.
    var title: String { "BuildRelay \(requestID.rawValue): \(changes.count) change\(changes.count == 1 ? "" : "s")" }

    private static func json(_ object: Any) -> String {
        // Plain strings, arrays and dictionaries: serialisation cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
