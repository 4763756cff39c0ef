import BuildRelayCore

/// The part of Buildkite's build resource BuildRelay reads.
struct BuildkiteBuild: Decodable {
    var number: Int
    var state: String
    var webURL: String?

    enum CodingKeys: String, CodingKey {
        case number
        case state
        case webURL = "web_url"
    }

    /// The contract's mapping; a state it does not name is `unknown` (polled again, never taken as terminal).
    /// `blocked` (a block step waits to be unblocked, whatever `blocked_state` says) is not finished: running.
    /// `waiting` and `waiting_failed` are job states in Buildkite's documentation, not build states; met on a build,
    /// they mean jobs still to run: running.
    var status: BuildStatus {
        switch state {
        case "creating", "scheduled": .accepted
        case "running", "blocked", "failing", "waiting", "waiting_failed": .running
        case "passed": .succeeded
        case "failed", "not_run", "skipped": .failed
        case "canceling", "canceled", "cancelled": .cancelled
        default: .unknown
        }
    }

    var metadata: BuildMetadata {
        var metadata: BuildMetadata = ["buildkite.state": state]
        if let webURL { metadata["url"] = webURL }
        return metadata
    }
}
