/// One build's part of a batched status read: which build it is for, and its provider id.
struct BatchedPoll: Sendable, Hashable {
    var build: BuildReference
    var buildID: BuildID
}
