import BuildRelayCore

/// The part of a GitHub Actions workflow run BuildRelay reads.
struct GitHubWorkflowRun: Decodable {
    var id: Int
    /// The workflow's name, or the run's.
    var name: String?
    /// The run's `run-name`.
    var displayTitle: String?
    var status: String?
    var conclusion: String?
    var htmlURL: String?

    enum CodingKeys: String, CodingKey {
        case id, name, status, conclusion
        case displayTitle = "display_title"
        case htmlURL = "html_url"
    }

    /// Whether the workflow's `run-name` put this request id in the run's name.
    func isFor(_ requestID: RequestID) -> Bool {
        [name, displayTitle].contains { $0.map { Self.contains($0, word: requestID.rawValue) } ?? false }
    }

    /// The request id that the documented `run-name` (`BuildRelay ${{ inputs.buildrelay_request_id }}`) puts after
    /// the word `BuildRelay`: the request-id characters that follow it. `nil` for a run BuildRelay did not start.
    var requestIDFromRunName: RequestID? {
        for text in [displayTitle, name].compactMap({ $0 }) {
            guard let marker = text.range(of: "BuildRelay ") else { continue }
            if let id = RequestID(rawValue: String(text[marker.upperBound...].prefix(while: Self.isIDCharacter))) { return id }
        }
        return nil
    }

    /// `id` occurs in `text` with no request-id character on either side (`req-1` is not in `req-12`).
    private static func contains(_ text: String, word id: String) -> Bool {
        var searchStart = text.startIndex
        while let range = text.range(of: id, range: searchStart..<text.endIndex) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            if !(before.map(isIDCharacter) ?? false) && !(after.map(isIDCharacter) ?? false) { return true }
            searchStart = text.index(after: range.lowerBound)
        }
        return false
    }

    private static func isIDCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "._:/-".contains(character))
    }

    /// The contract's mapping.
    var buildStatus: BuildStatus {
        switch status {
        case "queued", "requested", "waiting", "pending": return .accepted
        case "in_progress": return .running
        case "completed":
            switch conclusion {
            case "success": return .succeeded
            case "cancelled": return .cancelled
            default: return .failed
            }
        default: return .unknown
        }
    }

    var metadata: BuildMetadata {
        var metadata: BuildMetadata = ["github.run": String(id)]
        if let htmlURL { metadata["url"] = htmlURL }
        if let conclusion { metadata["github.conclusion"] = conclusion }
        return metadata
    }
}
