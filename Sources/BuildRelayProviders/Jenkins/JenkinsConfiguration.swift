/// `queues.<name>.jenkins`: which job builds the queue's requests, and how to reach it.
public struct JenkinsConfiguration: Sendable, Hashable {
    /// The Jenkins root (`https://jenkins.example.com`).
    public var url: String
    /// The job's full name; folders are separated by `/` (`api/nightly` is `/job/api/job/nightly`).
    public var job: String
    public var user: Secret
    /// An API token of `user` (not a password).
    public var token: Secret
    /// Where the credentials came from, named in errors.
    public var credentialsSetting: String
    public var maxRequestsPerMinute: Int?
    /// The queue's `requestTimeout`: how long one API request may take before it counts as failed (retryable).
    public var requestTimeout: Duration
    /// How long a running build that was asked to `stop` may keep running before it is asked to `term`, and as long
    /// again before `kill` (a Pipeline build may ignore the gentler requests).
    public var stopEscalationDelay: Duration

    public init(
        url: String, job: String, user: Secret, token: Secret, credentialsSetting: String = "the Jenkins user and API token",
        maxRequestsPerMinute: Int? = nil, requestTimeout: Duration = VendorDefaults.requestTimeout, stopEscalationDelay: Duration = .seconds(30)
    ) {
        self.url = url
        self.job = job
        self.user = user
        self.token = token
        self.credentialsSetting = credentialsSetting
        self.maxRequestsPerMinute = maxRequestsPerMinute
        self.requestTimeout = requestTimeout
        self.stopEscalationDelay = stopEscalationDelay
    }

    /// `["job", "api", "job", "nightly"]`.
    var jobPath: [String] { job.split(separator: "/").flatMap { ["job", String($0)] } }
}
