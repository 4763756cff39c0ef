/// What a provider call returned, applied to the engine's state together with the other outcomes its serving task
/// collected in one turn.
enum ProviderCallOutcome: Sendable {
    case triggered(BuildReference, Result<(BuildID, BuildStatus), any Error>)
    case polled(BuildReference, Result<(BuildStatus, BuildMetadata), any Error>)
    case cancelled(BuildReference, Result<Void, any Error>)
}
