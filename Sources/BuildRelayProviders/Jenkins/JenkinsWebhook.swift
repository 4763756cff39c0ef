import BuildRelayCore
import Foundation

/// The Jenkins Notification plugin's JSON deliveries (`{"name","url","build":{"number","queue_id","phase","status",
/// "full_url","parameters":{…}}}`, phases `QUEUED`, `STARTED`, `COMPLETED`, `FINALIZED`), authenticated by
/// `Authorization: Bearer <secret>` (the endpoint's credentials configured with the plugin, or a proxy in front).
/// A build BuildRelay started is recognised by its `BUILDRELAY_REQUEST_ID` parameter; other builds are ignored.
public struct JenkinsWebhook: WebhookFormat {
    public init() {}

    public func authenticates(_ delivery: WebhookDelivery, secret: Secret, now: Date) -> Bool {
        guard let header = delivery.header("Authorization"), header.hasPrefix("Bearer ") else { return false }
        return WebhookSignature.constantTimeEquals(header.dropFirst("Bearer ".count), secret.value)
    }

    public func refresh(for delivery: WebhookDelivery) throws(WebhookPayloadError) -> RefreshCommand? {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(delivery.body))
        } catch {
            throw WebhookPayloadError("not a Jenkins Notification plugin delivery: \(error)")
        }
        guard let id = payload.build.parameters?[CIJobInputs.requestIDVariable], let requestID = RequestID(rawValue: id) else { return nil }
        let observed: BuildStatus? = switch payload.build.phase {
        case "QUEUED": .accepted
        case "STARTED": .running
        case "COMPLETED", "FINALIZED":
            JenkinsBuild(number: payload.build.number ?? 0, building: false, result: payload.build.status, url: nil, queueId: nil).status
        default: nil
        }
        return RefreshCommand(
            requestID: requestID, queue: payload.build.parameters?[CIJobInputs.queueVariable],
            buildID: payload.build.queueID.map { BuildID(JenkinsBuildManager.queueItemPrefix + String($0)) },
            observedStatus: observed == .unknown ? nil : observed)
    }

    private struct Payload: Decodable {
        var build: Build
    }

    private struct Build: Decodable {
        var number: Int?
        var queueID: Int?
        var phase: String?
        var status: String?
        var parameters: [String: String]?

        enum CodingKeys: String, CodingKey {
            case number, phase, status, parameters
            case queueID = "queue_id"
        }
    }
}
