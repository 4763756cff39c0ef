/// A classified build failure: what the `error` of a `failed` status event carries.
///
/// A `struct` with a ``Code`` so that new codes never break callers.
public struct BuildError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Who has to act.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The caller: a bad command, an unknown queue, bad credentials or permissions in the configuration.
        case user
        /// BuildRelay or its host: a crash, a timeout of its own, a local process that could not start.
        case infra
        /// The CI provider or another service BuildRelay depends on: 5xx, timeouts, malformed answers.
        case dependency
    }

    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidCommand = Code(rawValue: "invalid-command")
        public static let unknownQueue = Code(rawValue: "unknown-queue")
        public static let unclassified = Code(rawValue: "unclassified")
        public static let cancelledOutsideBuildRelay = Code(rawValue: "cancelled-outside-buildrelay")
        public static let maximumDurationExceeded = Code(rawValue: "maximum-duration-exceeded")
        public static let retriesExhausted = Code(rawValue: "retries-exhausted")
        public static let workerStopped = Code(rawValue: "worker-stopped")
        public static let interrupted = Code(rawValue: "interrupted")
        public static let providerError = Code(rawValue: "provider-error")
        public static let unknownBuild = Code(rawValue: "unknown-build")
        public static let managerClosed = Code(rawValue: "manager-closed")
        public static let buildFailed = Code(rawValue: "build-failed")
        /// The provider's API could not be reached, timed out, or answered 5xx.
        public static let providerUnavailable = Code(rawValue: "provider-unavailable")
        /// The provider answered with a body BuildRelay cannot read.
        public static let providerMalformedResponse = Code(rawValue: "provider-malformed-response")
        /// The provider refused the configured credentials (401) or their permissions (403).
        public static let providerCredentials = Code(rawValue: "provider-credentials")
        /// The configured pipeline, job, repository or workflow does not exist (404).
        public static let providerNotFound = Code(rawValue: "provider-not-found")
        /// The provider refused the request (another 4xx), e.g. an unknown branch.
        public static let providerRejected = Code(rawValue: "provider-rejected")
        /// The provider's rate limit: retried later, never a build failure.
        public static let rateLimited = Code(rawValue: "rate-limited")
        /// A system call failed on this host for a reason other than the network (descriptors, memory, disk).
        public static let systemError = Code(rawValue: "system-error")
        /// The provider's client is misconfigured (an invalid URL, say).
        public static let providerConfiguration = Code(rawValue: "provider-configuration")
    }

    public var code: Code
    public var kind: Kind
    /// Whether trying the same call again may succeed.
    public var isRetryable: Bool
    /// Readable, and free of secrets.
    public var message: String

    public init(code: Code, kind: Kind, isRetryable: Bool, message: String) {
        self.code = code
        self.kind = kind
        self.isRetryable = isRetryable
        self.message = message
    }

    public var description: String { "\(kind.rawValue)\(isRetryable ? " (retryable)" : ""): \(message)" }

    /// The provider has no build with this id (or the id is not one of its ids).
    public static func unknownBuild(_ build: BuildID) -> BuildError {
        BuildError(code: .unknownBuild, kind: .dependency, isRetryable: false, message: "the provider has no build \(build)")
    }

    /// The provider reported the build itself as failed (its job failed, timed out or was not run).
    public static func buildFailed(_ message: String = "the build failed") -> BuildError {
        BuildError(code: .buildFailed, kind: .user, isRetryable: false, message: message)
    }

    /// A call on a ``BuildManager`` after its `close()`.
    public static let managerClosed = BuildError(
        code: .managerClosed, kind: .infra, isRetryable: false, message: "the build manager is closed")
}
