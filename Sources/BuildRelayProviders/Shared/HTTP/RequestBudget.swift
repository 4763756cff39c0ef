import Synchronization

/// The requests a manager may make: its queue's own cap (`maxRequestsPerMinute`), the pauses the vendor announces
/// (`Retry-After`, a rate-limit header at zero), and the vendor's budget for the whole organization or token, which
/// every worker of the pool spends. ``acquire(isPoll:)`` waits for the next request's turn.
///
/// The vendor's budget (``observe(remaining:limit:resetsIn:)``, from each answer's rate-limit headers) is spread
/// over the time left until it resets, with a burst of up to a quarter of it at once while more than half the budget
/// is left (GitHub's hourly budget spread evenly would hold a few quick calls back for seconds). Workers never talk to each other, so each estimates its share of the pool's
/// spending (its own requests against the drop in the reported budget between answers) and spreads only that
/// share of what remains: N workers together stay under the limit instead of spending it all and meeting 429s.
/// Polls leave a tenth of the budget to triggers and cancels: when it is that short, polls wait for the reset
/// while triggers and cancels go on.
///
/// The own cap spaces requests evenly, with a burst of up to a tenth of a minute's budget after a quiet spell.
final class RequestBudget: Sendable {
    private struct VendorBudget {
        var remaining: Int
        var limit: Int
        var resetsAt: ContinuousClock.Instant
        /// What the last answer reported, before this worker's own requests since.
        var reported: Int
        /// The longest time to a reset an answer reported: about the window's length.
        var window: Duration

        /// The budget as it will be once its window ended: all of it, for another window (until an answer tells).
        /// `nil` when the window's length is not known (the only answer so far reported a reset already past: a
        /// slow answer, or a clock ahead of the vendor's): nothing is known of the next window until an answer says.
        func rolledOver(now: ContinuousClock.Instant) -> VendorBudget? {
            guard window > .zero else { return nil }
            var next = self
            // Whole windows, counted rather than stepped: a short window and a long quiet spell are many of them.
            next.resetsAt += window * (Int(((now - resetsAt) / window).rounded(.down)) + 1)
            while next.resetsAt <= now { next.resetsAt += window }  // rounding
            next.remaining = limit
            next.reported = limit
            return next
        }
    }

    private struct State {
        /// When the next request may start under the own cap.
        var nextSlot: ContinuousClock.Instant
        /// No request before this (announced by the vendor).
        var pausedUntil: ContinuousClock.Instant
        /// The vendor's budget as last reported, counting down with the requests made since.
        var vendor: VendorBudget?
        /// When the next request may start by the vendor's budget, bursts aside.
        var vendorCursor: ContinuousClock.Instant
        /// This worker's requests since the last answer's report.
        var spentSinceReport = 0
        /// This worker's estimated share of the pool's spending (1: alone). Until answers tell, it assumes one other
        /// worker: a worker alone reaches its whole budget after its first few answers.
        var share = 0.5
    }

    private let interval: Duration
    private let burst: Duration
    private let state: Mutex<State>

    /// `nil`: no cap of our own, only the vendor's budget and pauses.
    init(requestsPerMinute: Int?) {
        if let requestsPerMinute, requestsPerMinute > 0 {
            interval = .seconds(60) / requestsPerMinute
            burst = interval * max(1, requestsPerMinute / 10)
        } else {
            interval = .zero
            burst = .zero
        }
        let now = ContinuousClock.now
        state = Mutex(State(nextSlot: now, pausedUntil: now, vendorCursor: now - .seconds(86_400)))
    }

    /// Waits until a request may start, and takes its slot. `isPoll`: a status read, served after triggers and
    /// cancels when the vendor's budget is short. A waiting request looks again when its turn comes, with what
    /// the answers received meanwhile said of the budget.
    func acquire(isPoll: Bool = false) async throws {
        while let wait = take(isPoll: isPoll) {
            try await Task.sleep(for: wait)
        }
    }

    /// Takes a request's slot if one is due now (`nil`); otherwise returns how long until one is.
    func take(isPoll: Bool) -> Duration? {
        let now = ContinuousClock.now
        return state.withLock { state -> Duration? in
            var due = max(state.nextSlot, state.pausedUntil)
            var spacing = Duration.zero
            var cursor = state.vendorCursor
            if let known = state.vendor, known.resetsAt <= now {
                state.vendor = known.rolledOver(now: now)
            }
            if let vendor = state.vendor {
                let allowance = Double(vendor.remaining - (isPoll ? max(1, vendor.limit / 10) : 0)) * state.share
                if allowance < 1 {
                    due = max(due, vendor.resetsAt)
                } else {
                    // This worker's share of what is left, spread evenly over the time left; while more than half the
                    // budget is left, a quarter of the share at once.
                    spacing = (vendor.resetsAt - now) / (allowance + 1)
                    cursor = max(cursor, now - spacing * (vendor.remaining * 2 > vendor.limit ? allowance / 4 : 0))
                    due = max(due, cursor)
                }
            }
            guard due <= now else { return due - now }
            state.nextSlot = max(state.nextSlot, now - burst) + interval
            if spacing > .zero { state.vendorCursor = cursor + spacing }
            state.vendor?.remaining -= 1
            state.spentSinceReport += 1
            return nil
        }
    }

    /// The vendor's budget as an answer reported it: `remaining` of `limit` requests until it resets `resetsIn` from now.
    func observe(remaining: Int, limit: Int, resetsIn: Duration) {
        let resetsAt = ContinuousClock.now + max(resetsIn, .zero)
        state.withLock { state in
            let window = max(state.vendor?.window ?? .zero, resetsIn)
            if let known = state.vendor, known.resetsAt > .now, abs((known.resetsAt - resetsAt).wholeMilliseconds) < 1500 {
                // The same window. Answers arrive out of order: the lowest count is the latest.
                guard remaining < known.reported else { return }
                let poolSpent = known.reported - remaining
                let sample = min(1, Double(state.spentSinceReport) / Double(poolSpent))
                state.share = min(1, max(0.02, 0.7 * state.share + 0.3 * sample))
                state.vendor = VendorBudget(
                    remaining: min(remaining, known.remaining), limit: max(limit, 1), resetsAt: known.resetsAt, reported: remaining, window: window)
            } else {
                state.vendor = VendorBudget(remaining: remaining, limit: max(limit, 1), resetsAt: resetsAt, reported: remaining, window: window)
            }
            state.spentSinceReport = 0
        }
    }

    /// No request starts for `duration` (from now).
    func pause(for duration: Duration) {
        let until = ContinuousClock.now + duration
        state.withLock { $0.pausedUntil = max($0.pausedUntil, until) }
    }
}
