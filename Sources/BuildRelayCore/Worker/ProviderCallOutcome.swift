/// What a provider call returned, for the engine's state to apply.
enum ProviderCallOutcome: Sendable {
    case triggered(BuildReference, Result<(BuildID, BuildStatus), any Error>)
    case polled(BuildReference, Result<(BuildStatus, BuildMetadata), any Error>)
    case cancelled(BuildReference, Result<Void, any Error>)
}
