/// The builds of one owned command partition, and its offsets.
///
/// A class, so that the engine mutates its (large) build table in place: as a struct, every change would copy the
/// whole table out of the dictionary of partitions and back. Only used under the engine's lock.
final class PartitionTable {
    var partition: Int32
    /// This assignment's identity; see ``BuildReference``.
    var epoch: Int
    var builds: [RequestID: TrackedBuild] = [:]
    var offsets = PendingOffsets()
    /// The partition is being revoked: nothing new starts, in-flight work finishes.
    var revoking = false
    /// Calls and records in flight whose completion a revoke waits for.
    var inFlight = InFlightTracker()

    init(partition: Int32, epoch: Int) {
        self.partition = partition
        self.epoch = epoch
    }
}
