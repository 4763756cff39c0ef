import BuildRelayCore
import Foundation

/// Buildkite's pipeline webhooks (`build.*` events), authenticated by `X-Buildkite-Token` equal to the secret, or
/// by `X-Buildkite-Signature: timestamp=<unix>,signature=<hex HMAC-SHA256 of "<timestamp>.<body>">` no older than
/// ``maximumAge``. A build BuildRelay started carries `meta_data.buildrelay_request_id`; others are ignored.
public struct BuildkiteWebhook: WebhookFormat {
    /// How far a signature's timestamp may lie from the receiver's clock, either way.
    public static let maximumAge: TimeInterval = 300

    public init() {}

    public func authenticates(_ delivery: WebhookDelivery, secret: Secret, now: Date) -> Bool {
        if let signature = delivery.header("X-Buildkite-Signature") {
            var timestamp: Substring?
            var hex: Substring?
            for part in signature.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                switch pair[0].trimmingCharacters(in: .whitespaces) {
                case "timestamp": timestamp = pair[1]
                case "signature": hex = pair[1]
                default: break
                }
            }
            guard let timestamp, let seconds = TimeInterval(timestamp), let hex,
                  abs(now.timeIntervalSince1970 - seconds) <= Self.maximumAge else { return false }
            return WebhookSignature.isValid(hex: hex, of: Array("\(timestamp).".utf8) + delivery.body, secret: secret)
        }
        guard let token = delivery.header("X-Buildkite-Token") else { return false }
        return WebhookSignature.constantTimeEquals(token, secret.value)
    }

    public func refresh(for delivery: WebhookDelivery) throws(WebhookPayloadError) -> RefreshCommand? {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(delivery.body))
        } catch {
            throw WebhookPayloadError("not a Buildkite webhook: \(error)")
        }
        guard payload.event.hasPrefix("build."), let build = payload.build,
              let id = build.metaData?[CIJobInputs.requestIDMetadataKey], let requestID = RequestID(rawValue: id) else { return nil }
        let observed = BuildkiteBuild(number: build.number, state: build.state, webURL: nil).status
        return RefreshCommand(
            requestID: requestID, queue: build.metaData?[CIJobInputs.queueMetadataKey], buildID: BuildID(String(build.number)),
            observedStatus: observed == .unknown ? nil : observed)
    }

    private struct Payload: Decodable {
        var event: String
        var build: Build?
    }

    private struct Build: Decodable {
        var number: Int
        var state: String
        var metaData: [String: String]?

        enum CodingKeys: String, CodingKey {
            case number, state
            case metaData = "meta_data"
        }
    }
}
