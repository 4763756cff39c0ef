import BuildRelayCore
import Foundation

/// A vendor's webhook deliveries as BuildRelay reads them: authenticated against the queue's secret, then turned
/// into the `refresh` they ask for. Reading a delivery never calls the vendor, and nothing a delivery says changes
/// a build by itself: the refresh only makes the build's owner ask the vendor sooner.
public protocol WebhookFormat: Sendable {
    /// Whether the delivery proves it knows `secret` (a token, or a signature over the body), compared in constant
    /// time; `now` bounds the age of a signed timestamp.
    func authenticates(_ delivery: WebhookDelivery, secret: Secret, now: Date) -> Bool

    /// The refresh the delivery asks for; `nil` when it needs none (a ping, another event, a build BuildRelay did
    /// not start). Throws ``WebhookPayloadError`` for a body it cannot read.
    func refresh(for delivery: WebhookDelivery) throws(WebhookPayloadError) -> RefreshCommand?
}

/// A webhook body that is not what the vendor documents.
public struct WebhookPayloadError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
