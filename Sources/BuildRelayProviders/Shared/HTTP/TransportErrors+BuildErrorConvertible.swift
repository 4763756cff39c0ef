import AsyncHTTPClient
import BuildRelayCore
import NIOCore
import NIOPosix

/// AsyncHTTPClient's errors: a misconfigured client is non-retryable (the queue's settings are wrong), a cancelled
/// request is interrupted work, and everything else (timeouts, closed connections, protocol errors) means the
/// provider could not be reached or answered badly: retryable dependency.
extension HTTPClientError: BuildErrorConvertible {
    public var buildError: BuildError {
        switch self {
        case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath, .invalidProxyConfiguration, .invalidRedirectConfiguration:
            BuildError(code: .providerConfiguration, kind: .user, isRetryable: false, message: "the provider's URL or client settings are invalid: \(self)")
        case .cancelled, .alreadyShutdown:
            BuildError(code: .interrupted, kind: .infra, isRetryable: true, message: "the request was interrupted: \(self)")
        default:
            BuildError(code: .providerUnavailable, kind: .dependency, isRetryable: true, message: "the provider could not be reached: \(self)")
        }
    }
}

/// SwiftNIO's failed system calls: classified by their `errno` (``BuildErrorClassifier/classify(errno:description:)``).
extension IOError: BuildErrorConvertible {
    public var buildError: BuildError {
        BuildErrorClassifier.classify(errno: errnoCode, description: String(describing: self))
    }
}

/// SwiftNIO's channel errors: the connection broke or could not be used (retryable dependency).
extension ChannelError: BuildErrorConvertible {
    public var buildError: BuildError {
        BuildError(code: .providerUnavailable, kind: .dependency, isRetryable: true, message: "the provider's connection failed: \(self)")
    }
}

/// Every address of the provider's host refused or failed the connection (retryable dependency).
extension NIOConnectionError: BuildErrorConvertible {
    public var buildError: BuildError {
        BuildError(code: .providerUnavailable, kind: .dependency, isRetryable: true, message: "cannot connect to the provider: \(self)")
    }
}
