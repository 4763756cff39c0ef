import BuildRelayCore
import Foundation
import Hummingbird
import NIOCore

/// `GET /builds[?status=S]` and `GET /builds/<requestId>`: the builds this worker owns, as JSON
/// (`schemas/build-summary.schema.json`).
///
/// Without `status`, the list holds the builds not yet settled; `status=S` (repeatable as `status=a,b`) lists those
/// in a status, settled ones included; `status=all` lists every request id the worker remembers. Oldest status
/// first. A request id this worker does not own is 404: it lives on another worker (`buildrelay status` finds any).
struct BuildsQuery: Sendable {
    let engine: WorkerEngine

    func list(statusFilter: String?) -> Response {
        var wanted: Set<BuildStatus>?
        if let statusFilter, statusFilter != "all" {
            var statuses = Set<BuildStatus>()
            for name in statusFilter.split(separator: ",") {
                guard let status = BuildStatus(rawValue: String(name)) else {
                    return Self.json(.badRequest, Array(#"{"error":"status must be accepted, running, succeeded, failed, cancelled, unknown or all"}"#.utf8))
                }
                statuses.insert(status)
            }
            wanted = statuses
        }
        let selected = engine.summaries().filter { summary in
            if let wanted { return wanted.contains(summary.status) }
            return statusFilter == "all" || !summary.isSettled
        }
        let sorted = selected.sorted { ($0.statusSince, $0.requestID.rawValue) < ($1.statusSince, $1.requestID.rawValue) }
        return Self.json(.ok, BuildSummaryEncoder.encode(sorted, now: WorkerClock.system.wallMilliseconds()))
    }

    func one(_ text: String) -> Response {
        guard let id = RequestID(rawValue: text), let summary = engine.summary(of: id) else {
            return Self.json(.notFound, Array(#"{"error":"this worker does not own that request id"}"#.utf8))
        }
        return Self.json(.ok, BuildSummaryEncoder.encode(summary, now: WorkerClock.system.wallMilliseconds()))
    }

    private static func json(_ status: HTTPResponse.Status, _ bytes: [UInt8]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes + [0x0A])))
    }
}
