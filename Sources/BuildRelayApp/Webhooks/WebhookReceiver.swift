import BuildRelayCore
import BuildRelayProviders
import Foundation
import Logging
import Metrics

/// `POST /webhooks/<queue>`: authenticates a vendor's delivery with the queue's secret and produces the `refresh`
/// it asks for, keyed by the request id so that it reaches the build's owner through Kafka, whichever worker
/// received it. It never calls the vendor, never changes a build itself, and never logs a body or a secret.
public struct WebhookReceiver: Sendable {
    /// Bodies beyond this are refused (413) unread.
    public static let maximumBodyBytes = 1 << 20

    private let webhooks: [String: QueueWebhook]
    private let send: @Sendable (BuildCommand) async throws -> Void
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// `send` produces a command to the commands topic and returns once the broker acknowledged it.
    public init(
        webhooks: [String: QueueWebhook], logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        send: @escaping @Sendable (BuildCommand) async throws -> Void
    ) {
        self.webhooks = webhooks
        self.send = send
        self.logger = logger
        self.now = now
    }

    /// Answers one delivery to `queue`; `body` is `nil` when it was larger than ``maximumBodyBytes``.
    func receive(queue: String, headers: [String: String], body: [UInt8]?) async -> WebhookOutcome {
        let outcome = await answer(queue: queue, headers: headers, body: body)
        // Unknown queue names are not labels: anyone can make up as many as they like.
        let label = webhooks[queue] == nil ? "-" : queue
        Counter(label: "buildrelay_webhooks_total", dimensions: [("queue", label), ("outcome", outcome.rawValue)]).increment()
        return outcome
    }

    private func answer(queue: String, headers: [String: String], body: [UInt8]?) async -> WebhookOutcome {
        guard let webhook = webhooks[queue] else { return .unknownQueue }
        guard let body else { return .tooLarge }
        let delivery = WebhookDelivery(headers: headers, body: body)
        guard webhook.format.authenticates(delivery, secret: webhook.secret, now: now()) else {
            logger.warning("webhook refused: missing or wrong token or signature", metadata: ["queue": "\(queue)"])
            return .unauthorized
        }
        let refresh: RefreshCommand?
        do {
            refresh = try webhook.format.refresh(for: delivery)
        } catch {
            logger.warning("webhook refused: unreadable body", metadata: ["queue": "\(queue)", "error": "\(error)"])
            return .unreadable
        }
        guard let refresh else { return .ignored }
        do {
            try await send(.refresh(refresh))
        } catch {
            logger.error("webhook's refresh could not be produced", metadata: ["queue": "\(queue)", "requestId": "\(refresh.requestID)", "error": "\(error)"])
            return .unavailable
        }
        logger.debug("webhook produced a refresh", metadata: [
            "queue": "\(queue)", "requestId": "\(refresh.requestID)", "observedStatus": "\(refresh.observedStatus?.rawValue ?? "-")",
        ])
        return .refreshed
    }
}
