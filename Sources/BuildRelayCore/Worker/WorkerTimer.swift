/// Work the engine scheduled for later.
enum WorkerTimer: Sendable {
    /// Ask the provider for the build's status; ignored unless `generation` is the build's current poll generation.
    case poll(BuildReference, generation: Int)
    /// Call `trigger` again after a retryable failure.
    case retryTrigger(BuildReference)
    /// Call `cancel` again after a retryable failure.
    case retryCancel(BuildReference)
    /// The request id's retention ended: forget it.
    case forget(BuildReference)
    /// Read the statuses of the queue's builds gathered for a batched poll.
    case batchPoll(queue: String)
}
