/// A status event's bytes, as recorded and published, with its sequence (which tells it from the build's later
/// events).
struct EncodedEvent: Sendable {
    var sequence: Int
    var bytes: [UInt8]
}
