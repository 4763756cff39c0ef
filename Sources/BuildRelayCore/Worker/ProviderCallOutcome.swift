/// What a provider call returned, for the build it was made for; applied to the engine's state by
/// ``WorkerEngineState/apply(_:now:effects:)``.
enum ProviderCallOutcome: Sendable {
    case trigger(BuildReference, Result<(BuildID, BuildStatus), any Error>)
    case status(BuildReference, Result<(BuildStatus, BuildMetadata), any Error>)
    case cancel(BuildReference, Result<Void, any Error>)
}
