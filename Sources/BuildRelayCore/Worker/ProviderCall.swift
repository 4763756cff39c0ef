/// A call on a ``BuildManager``, run by one of the engine's provider tasks.
struct ProviderCall: Sendable {
    enum Operation: Sendable {
        case trigger(TriggerCommand)
        case status(BuildID)
        case cancel(BuildID)
    }

    var build: BuildReference
    var queue: BuildQueue
    var operation: Operation
}
