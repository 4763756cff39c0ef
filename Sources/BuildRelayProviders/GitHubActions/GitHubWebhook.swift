import BuildRelayCore
import Foundation

/// GitHub's `workflow_run` webhooks (and `ping`), authenticated by `X-Hub-Signature-256: sha256=<hex HMAC-SHA256
/// of the body>`. A run BuildRelay dispatched is recognised by its `run-name`, which puts the request id after the
/// word `BuildRelay` (``GitHubWorkflowRun/requestIDFromRunName``); other runs and events are ignored.
public struct GitHubWebhook: WebhookFormat {
    public init() {}

    public func authenticates(_ delivery: WebhookDelivery, secret: Secret, now: Date) -> Bool {
        guard let header = delivery.header("X-Hub-Signature-256"), header.hasPrefix("sha256=") else { return false }
        return WebhookSignature.isValid(hex: header.dropFirst("sha256=".count), of: delivery.body, secret: secret)
    }

    public func refresh(for delivery: WebhookDelivery) throws(WebhookPayloadError) -> RefreshCommand? {
        guard delivery.header("X-GitHub-Event") == "workflow_run" else { return nil }
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(delivery.body))
        } catch {
            throw WebhookPayloadError("not a GitHub workflow_run webhook: \(error)")
        }
        guard let requestID = payload.workflowRun.requestIDFromRunName else { return nil }
        let observed = payload.workflowRun.buildStatus
        return RefreshCommand(
            requestID: requestID, buildID: BuildID(GitHubActionsBuildManager.runPrefix + String(payload.workflowRun.id)),
            observedStatus: observed == .unknown ? nil : observed)
    }

    private struct Payload: Decodable {
        var workflowRun: GitHubWorkflowRun

        enum CodingKeys: String, CodingKey {
            case workflowRun = "workflow_run"
        }
    }
}
