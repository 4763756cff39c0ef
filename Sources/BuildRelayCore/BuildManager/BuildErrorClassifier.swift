import Foundation

/// The one place where errors become ``BuildError``s (user / infra / dependency × retryable).
///
/// - A ``BuildError`` keeps what it says; a ``BuildErrorConvertible`` says what it is.
/// - Cancellation is retryable infra: the work was interrupted, not refused.
/// - A POSIX error of the network (connection refused, reset or aborted, timed out, host or network unreachable, a
///   broken pipe) is a retryable dependency failure: the provider could not be reached. Any other POSIX error is
///   retryable infra (this host's resources: descriptors, memory, disk).
/// - Anything else is non-retryable infra: an error nobody classified is a defect to fix where it is thrown.
///
/// HTTP answers are classified here too (``classification(ofHTTPStatus:)``), so every provider maps a status the
/// same way.
public enum BuildErrorClassifier {
    public static func classify(_ error: any Error) -> BuildError {
        switch error {
        case let error as BuildError:
            return error
        case let error as any BuildErrorConvertible:
            return error.buildError
        case is CancellationError:
            return BuildError(code: .interrupted, kind: .infra, isRetryable: true, message: "the operation was cancelled")
        case let error as POSIXError:
            return classify(errno: error.code.rawValue, description: String(describing: error))
        default:
            return BuildError(code: .unclassified, kind: .infra, isRetryable: false, message: String(describing: error))
        }
    }

    /// A failed system call's `errno`, as ``classify(_:)`` describes.
    public static func classify(errno: Int32, description: String) -> BuildError {
        if networkErrnos.contains(errno) {
            return BuildError(code: .providerUnavailable, kind: .dependency, isRetryable: true, message: description)
        }
        return BuildError(code: .systemError, kind: .infra, isRetryable: true, message: description)
    }

    private static let networkErrnos: Set<Int32> = [
        ECONNREFUSED, ECONNRESET, ECONNABORTED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ENETDOWN, EPIPE, ENOTCONN,
    ]

    /// What an HTTP answer that the caller cannot use means: 401 and 403 are the configured credentials (user), 404
    /// a configured name that does not exist (user), 408 and 5xx the provider being unavailable (retryable
    /// dependency), 429 its rate limit (retryable dependency, never a build failure), any other status a refusal of
    /// the request (user).
    public static func classification(ofHTTPStatus status: Int) -> (code: BuildError.Code, kind: BuildError.Kind, isRetryable: Bool) {
        switch status {
        case 401, 403: (.providerCredentials, .user, false)
        case 404: (.providerNotFound, .user, false)
        case 429: (.rateLimited, .dependency, true)
        case 408, 500...: (.providerUnavailable, .dependency, true)
        default: (.providerRejected, .user, false)
        }
    }
}
