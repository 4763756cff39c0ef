import AsyncHTTPClient
import BuildRelayCore
@testable import BuildRelayProviders
import BuildRelayTestSupport
import Logging
import NIOCore
import NIOPosix
import Testing

/// The transport errors of AsyncHTTPClient and SwiftNIO, thrown as they come, classify as what they mean.
@Suite(.timeLimit(.minutes(3)))
struct TransportErrorClassificationTests {
    @Test("AsyncHTTPClient: timeouts and closed connections are retryable dependency failures",
          arguments: [HTTPClientError.connectTimeout, .readTimeout, .remoteConnectionClosed, .deadlineExceeded, .getConnectionFromPoolTimeout])
    func unreachableProvidersAreRetryable(_ error: HTTPClientError) {
        let classified = BuildErrorClassifier.classify(error)
        #expect(classified.kind == .dependency && classified.isRetryable, "\(error)")
    }

    @Test("a request that never left (no connection from the pool, none made) may be sent again even if it is a trigger's POST; one that may have arrived may not",
          arguments: [(HTTPClientError.getConnectionFromPoolTimeout, true), (.connectTimeout, true), (.readTimeout, false), (.remoteConnectionClosed, false)])
    func neverSentRequestsAreResent(_ error: HTTPClientError, neverSent: Bool) {
        #expect(VendorHTTPClient.neverSent(error) == neverSent, "\(error)")
    }

    @Test("AsyncHTTPClient: an invalid URL is the configuration's fault, not retryable", arguments: [HTTPClientError.invalidURL, .emptyHost, .emptyScheme])
    func invalidURLsAreConfigurationErrors(_ error: HTTPClientError) {
        let classified = BuildErrorClassifier.classify(error)
        #expect(classified.code == .providerConfiguration && classified.kind == .user && !classified.isRetryable)
    }

    @Test("AsyncHTTPClient: a cancelled request is interrupted work")
    func cancelledRequestsAreInterrupted() {
        #expect(BuildErrorClassifier.classify(HTTPClientError.cancelled).code == .interrupted)
    }

    @Test("SwiftNIO: a refused connection and a broken channel are retryable dependency failures")
    func nioErrorsAreRetryableDependencyFailures() {
        for error in [IOError(errnoCode: ECONNREFUSED, reason: "connect") as any Error, ChannelError.ioOnClosedChannel, ChannelError.eof] {
            let classified = BuildErrorClassifier.classify(error)
            #expect(classified.kind == .dependency && classified.isRetryable, "\(error)")
        }
    }

    @Test("a provider whose API nobody answers fails its call as a retryable dependency failure, never for good")
    func unreachableProviderIsARetryableDependencyFailure() async throws {
        let refusing = try LoopbackSocket(listening: false)
        let nobody = refusing.port
        let manager = BuildkiteBuildManager(configuration: BuildkiteConfiguration(
            apiURL: "http://127.0.0.1:\(nobody)/v2", organization: "acme", pipeline: "api-ci", branch: "main",
            token: Secret("token-that-must-not-leak"), tokenSetting: "queues.main.buildkite.tokenEnv (BUILDKITE_TOKEN)",
            requestTimeout: .seconds(2)), logger: Logger(label: "test"))
        try await manager.closing(after: { manager in
            let error = await #expect(throws: BuildError.self) { try await manager.status(BuildID("1")) }
            #expect(error?.kind == .dependency)
            #expect(error?.isRetryable == true)
            #expect(error?.message.contains("token-that-must-not-leak") == false)
        })
        withExtendedLifetime(refusing) {}
    }
}
