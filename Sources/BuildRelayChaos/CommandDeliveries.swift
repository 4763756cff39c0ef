import BuildRelayKafka
import Synchronization

/// Where the broker stored each command a scenario sent, or why it refused it. A request without events is then
/// told apart: lost by the workers (its command is in the topic, at this place) or never sent at all.
final class CommandDeliveries: Sendable {
    private struct Entries {
        var places: [String: [String]] = [:]
        var refused: Set<String> = []
    }

    private let entries = Mutex(Entries())

    /// Notes the delivery report of the `kind` command (`trigger`, `cancel`, `bad`) keyed `requestID`.
    func record(_ requestID: String, kind: String, _ report: Result<KafkaDeliveryReport, KafkaError>) {
        entries.withLock { entries in
            switch report {
            case .success(let report):
                entries.places[requestID, default: []].append("\(kind) at partition \(report.partition) offset \(report.offset)")
            case .failure(let error):
                entries.places[requestID, default: []].append("\(kind) refused by the broker: \(error)")
                entries.refused.insert(requestID)
            }
        }
    }

    /// Request ids with a command the broker refused: the workers never saw it.
    var refused: Set<String> { entries.withLock { $0.refused } }

    /// Where `requestID`'s commands went, for a problem report.
    func describe(_ requestID: String) -> String {
        entries.withLock { $0.places[requestID] }?.joined(separator: ", ") ?? "no delivery report"
    }
}
