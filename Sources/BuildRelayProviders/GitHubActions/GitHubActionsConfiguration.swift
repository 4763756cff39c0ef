/// `queues.<name>.githubActions`: which workflow builds the queue's requests, and how to reach it.
public struct GitHubActionsConfiguration: Sendable, Hashable {
    /// The REST API root (`https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server).
    public var apiURL: String
    /// `owner/repo`.
    public var repository: String
    /// The workflow's file name (`ci.yml`) or id.
    public var workflow: String
    /// The branch or tag the workflow runs on.
    public var ref: String
    /// A token with `actions: write` on the repository.
    public var token: Secret
    public var tokenSetting: String
    /// GitHub allows 5,000 REST requests an hour per token.
    public var maxRequestsPerMinute: Int?
    /// How long a dispatched run may take to appear in the runs list before the build is reported failed (user:
    /// the workflow probably does not put the request id in its `run-name`).
    public var runAppearanceTimeout: Duration
    /// The queue's `requestTimeout`: how long one API request may take before it counts as failed (retryable).
    public var requestTimeout: Duration

    public init(
        apiURL: String = "https://api.github.com", repository: String, workflow: String, ref: String = "main", token: Secret,
        tokenSetting: String = "the GitHub token", maxRequestsPerMinute: Int? = nil, runAppearanceTimeout: Duration = .seconds(600),
        requestTimeout: Duration = VendorDefaults.requestTimeout
    ) {
        self.apiURL = apiURL
        self.repository = repository
        self.workflow = workflow
        self.ref = ref
        self.token = token
        self.tokenSetting = tokenSetting
        self.maxRequestsPerMinute = maxRequestsPerMinute
        self.runAppearanceTimeout = runAppearanceTimeout
        self.requestTimeout = requestTimeout
    }

    /// `["repos", "acme", "api"]`.
    var repositoryPath: [String] { ["repos"] + repository.split(separator: "/", maxSplits: 1).map(String.init) }
}
