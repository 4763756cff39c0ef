extension ContinuousClock.Instant {
    /// The time from now until this deadline, but at least `minimum`: a step that comes after others used up a
    /// shared budget still gets a chance.
    public func timeLeft(atLeast minimum: Duration) -> Duration {
        Swift.max(self - ContinuousClock.now, minimum)
    }
}
