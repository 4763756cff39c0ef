/// One reading of both of the engine's clocks (``WorkerClock``), taken once per change of state so that every
/// decision in it sees the same time.
struct EngineInstant: Sendable {
    /// Milliseconds since the Unix epoch.
    var wallMilliseconds: Int64
    /// Monotonic time since the clock's origin.
    var monotonic: Duration
}
