import Crypto
import Foundation

/// Webhook deliveries as the vendors document them: the headers and the body of one request, signed with a secret
/// the way the vendor signs, for the receiver's tests and the scaled fakes.
public struct VendorWebhook: Sendable {
    public var headers: [String: String]
    public var body: [UInt8]

    public init(headers: [String: String], body: [UInt8]) {
        self.headers = headers
        self.body = body
    }

    /// How a Buildkite delivery proves its secret.
    public enum BuildkiteProof: Sendable {
        /// `X-Buildkite-Token: <secret>`.
        case token
        /// `X-Buildkite-Signature: timestamp=<unix>,signature=<HMAC-SHA256 of "<timestamp>.<body>">`.
        case signature(at: Date)
    }

    /// A Buildkite pipeline webhook (`build.scheduled`, `build.running`, `build.finished`, …) for build `number` in
    /// `state`; `requestID` goes into `meta_data` as BuildRelay's builds carry it (`nil`: a build BuildRelay did not start).
    public static func buildkite(
        event: String, number: Int, state: String, requestID: String?, queue: String = "main", secret: String, proof: BuildkiteProof = .token
    ) -> VendorWebhook {
        var metaData: [String: String] = [:]
        if let requestID {
            metaData["buildrelay_request_id"] = requestID
            metaData["buildrelay_queue"] = queue
        }
        let payload: [String: Any] = [
            "event": event,
            "build": ["id": UUID().uuidString.lowercased(), "number": number, "state": state, "meta_data": metaData,
                      "web_url": "https://buildkite.com/acme/api/builds/\(number)"] as [String: Any],
            "pipeline": ["slug": "api"],
            "sender": ["name": "Buildkite"],
        ]
        let body = json(payload)
        var headers = ["Content-Type": "application/json", "X-Buildkite-Event": event]
        switch proof {
        case .token:
            headers["X-Buildkite-Token"] = secret
        case .signature(let date):
            let timestamp = String(Int(date.timeIntervalSince1970))
            headers["X-Buildkite-Signature"] = "timestamp=\(timestamp),signature=\(hmac(Array("\(timestamp).".utf8) + body, secret: secret))"
        }
        return VendorWebhook(headers: headers, body: body)
    }

    /// A GitHub `workflow_run` webhook (`action` `requested`, `in_progress` or `completed`) for run `id` named as
    /// BuildRelay's documented `run-name` names it, signed with `X-Hub-Signature-256`.
    public static func gitHubWorkflowRun(
        action: String, id: Int, status: String, conclusion: String? = nil, runName: String, secret: String
    ) -> VendorWebhook {
        var run: [String: Any] = [
            "id": id, "name": "CI", "display_title": runName, "status": status, "event": "workflow_dispatch",
            "html_url": "https://github.com/acme/api/actions/runs/\(id)",
        ]
        if let conclusion { run["conclusion"] = conclusion }
        return gitHub(event: "workflow_run", payload: ["action": action, "workflow_run": run, "repository": ["full_name": "acme/api"]], secret: secret)
    }

    /// A Jenkins Notification plugin delivery for build `number` of queue item `queueID` in `phase` (`QUEUED`,
    /// `STARTED`, `COMPLETED`, `FINALIZED`) with `status` (the result), its parameters carrying `requestID` as the
    /// builds BuildRelay starts do (`nil`: another build), with `Authorization: Bearer <secret>`.
    public static func jenkinsNotification(
        phase: String, number: Int, queueID: Int, status: String? = nil, requestID: String?, queue: String = "nightly", secret: String
    ) -> VendorWebhook {
        var parameters: [String: String] = ["GIT_BRANCH": "main"]
        if let requestID {
            parameters["BUILDRELAY_REQUEST_ID"] = requestID
            parameters["BUILDRELAY_QUEUE"] = queue
        }
        var build: [String: Any] = [
            "full_url": "http://jenkins.invalid/job/api/job/nightly/\(number)/", "number": number, "queue_id": queueID, "phase": phase,
            "url": "job/api/job/nightly/\(number)/", "parameters": parameters,
        ]
        if let status { build["status"] = status }
        let body = json(["name": "nightly", "url": "job/api/job/nightly/", "build": build])
        return VendorWebhook(headers: ["Content-Type": "application/json", "Authorization": "Bearer \(secret)"], body: body)
    }

    /// GitHub's `ping`, sent when a webhook is created.
    public static func gitHubPing(secret: String) -> VendorWebhook {
        gitHub(event: "ping", payload: ["zen": "Keep it logically awesome.", "hook_id": 1], secret: secret)
    }

    private static func gitHub(event: String, payload: [String: Any], secret: String) -> VendorWebhook {
        let body = json(payload)
        return VendorWebhook(headers: [
            "Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": UUID().uuidString.lowercased(),
            "X-Hub-Signature-256": "sha256=\(hmac(body, secret: secret))",
        ], body: body)
    }

    /// Lower-case hex of HMAC-SHA256 of `message` under `secret`.
    public static func hmac(_ message: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    private static func json(_ object: Any) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}
