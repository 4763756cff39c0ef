/// The one place where errors become ``BuildError``s (user / infra / dependency × retryable).
///
/// - A ``BuildError`` keeps what it says.
/// - Cancellation is retryable infra: the work was interrupted, not refused.
/// - Anything else is non-retryable infra: an error nobody classified is a defect to fix where it is thrown.
public enum BuildErrorClassifier {
    public static func classify(_ error: any Error) -> BuildError {
        switch error {
        case let error as BuildError:
            error
        case is CancellationError:
            BuildError(code: .interrupted, kind: .infra, isRetryable: true, message: "the operation was cancelled")
        default:
            BuildError(code: .unclassified, kind: .infra, isRetryable: false, message: String(describing: error))
        }
    }
}
