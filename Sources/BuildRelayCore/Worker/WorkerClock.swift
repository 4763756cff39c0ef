import Foundation

/// The engine's two clocks. The wall clock stamps events and state records and bounds what is measured across
/// workers (`worker.requestRetention`, `worker.maxBuildDuration`); the monotonic clock bounds what one worker
/// measures itself (`worker.retry.maxElapsed`). Injected, so tests can skew or drive them.
public struct WorkerClock: Sendable {
    /// Milliseconds since the Unix epoch.
    public var wallMilliseconds: @Sendable () -> Int64
    /// Monotonic time since an origin of the clock's choosing; never goes back.
    public var monotonic: @Sendable () -> Duration

    public init(wallMilliseconds: @escaping @Sendable () -> Int64, monotonic: @escaping @Sendable () -> Duration) {
        self.wallMilliseconds = wallMilliseconds
        self.monotonic = monotonic
    }

    /// The system's clocks.
    public static let system: WorkerClock = {
        let origin = ContinuousClock.now
        return WorkerClock(
            wallMilliseconds: { Int64(Date().timeIntervalSince1970 * 1000) },
            monotonic: { ContinuousClock.now - origin })
    }()

    /// Both clocks, read now.
    func read() -> EngineInstant {
        EngineInstant(wallMilliseconds: wallMilliseconds(), monotonic: monotonic())
    }
}
