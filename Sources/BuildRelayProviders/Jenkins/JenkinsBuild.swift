import BuildRelayCore

/// The part of a Jenkins build (`/job/…/{number}/api/json`) BuildRelay reads.
struct JenkinsBuild: Decodable {
    var number: Int
    var building: Bool
    /// `SUCCESS`, `FAILURE`, `UNSTABLE`, `NOT_BUILT`, `ABORTED`; `null` while building.
    var result: String?
    var url: String?
    var queueId: Int?

    /// The contract's mapping; a build that stopped without a result yet is still `running`.
    var status: BuildStatus {
        if building { return .running }
        switch result {
        case "SUCCESS": return .succeeded
        case "FAILURE", "UNSTABLE", "NOT_BUILT": return .failed
        case "ABORTED": return .cancelled
        case nil: return .running
        default: return .unknown
        }
    }

    var metadata: BuildMetadata {
        var metadata: BuildMetadata = ["jenkins.build": String(number)]
        if let url { metadata["url"] = url }
        if let result { metadata["jenkins.result"] = result }
        return metadata
    }
}
