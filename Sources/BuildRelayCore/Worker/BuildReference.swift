/// Which build a piece of asynchronous work belongs to. `epoch` identifies one assignment of the partition to this
/// worker, so work begun before the partition was revoked (and maybe assigned again) is recognised as stale.
struct BuildReference: Sendable, Hashable {
    var partition: Int32
    var epoch: Int
    var requestID: RequestID
}
