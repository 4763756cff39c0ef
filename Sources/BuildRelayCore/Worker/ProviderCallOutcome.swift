/// What a provider call returned, for the build it was made for; applied to the engine's state by
/// ``WorkerEngineState/apply(_:)``.
enum ProviderCallOutcome: Sendable {
    case trigger(BuildReference, Result<TriggeredBuild, any Error>)
    case status(BuildReference, Result<BuildStatusReport, any Error>)
    case statuses([BatchedPoll], Result<[BuildID: BuildStatusReport], any Error>)
    case cancel(BuildReference, Result<Void, any Error>)
}
