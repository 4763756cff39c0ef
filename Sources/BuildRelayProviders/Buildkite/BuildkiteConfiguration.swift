/// `queues.<name>.buildkite`: which pipeline builds the queue's requests, and how to reach it.
public struct BuildkiteConfiguration: Sendable, Hashable {
    /// The REST API root (`https://api.buildkite.com/v2`).
    public var apiURL: String
    public var organization: String
    public var pipeline: String
    /// The branch builds run on.
    public var branch: String
    /// An API access token with `read_builds` and `write_builds`.
    public var token: Secret
    /// Where the token came from, named in errors (`queues.main.buildkite.tokenEnv`).
    public var tokenSetting: String
    /// The queue's `maxRequestsPerMinute` (Buildkite allows about 200 REST requests a minute per organisation).
    public var maxRequestsPerMinute: Int?
    /// The queue's `requestTimeout`: how long one API request may take before it counts as failed (retryable).
    public var requestTimeout: Duration

    public init(
        apiURL: String = "https://api.buildkite.com/v2", organization: String, pipeline: String, branch: String = "main",
        token: Secret, tokenSetting: String = "the Buildkite token", maxRequestsPerMinute: Int? = nil,
        requestTimeout: Duration = VendorDefaults.requestTimeout
    ) {
        self.apiURL = apiURL
        self.organization = organization
        self.pipeline = pipeline
        self.branch = branch
        self.token = token
        self.tokenSetting = tokenSetting
        self.maxRequestsPerMinute = maxRequestsPerMinute
        self.requestTimeout = requestTimeout
    }
}
