import BuildRelayCore
import Foundation
import Testing

/// One error contract: what each kind of error a provider may throw means for the build.
struct BuildErrorClassifierTests {
    struct SaysWhatItIs: BuildErrorConvertible {
        var buildError: BuildError { BuildError(code: .rateLimited, kind: .dependency, isRetryable: true, message: "slow down") }
    }

    struct Unexpected: Error {}

    @Test("a BuildError keeps what it says, and a BuildErrorConvertible says what it is")
    func classifiedErrorsKeepTheirClassification() {
        let stated = BuildError(code: .providerRejected, kind: .user, isRetryable: false, message: "no such branch")
        #expect(BuildErrorClassifier.classify(stated) == stated)
        #expect(BuildErrorClassifier.classify(SaysWhatItIs()).code == .rateLimited)
    }

    @Test("cancellation is interrupted work: retryable infra")
    func cancellationIsRetryableInfra() {
        let error = BuildErrorClassifier.classify(CancellationError())
        #expect(error.code == .interrupted && error.kind == .infra && error.isRetryable)
    }

    @Test("a network POSIX error is a retryable dependency failure; another POSIX error is retryable infra",
          arguments: [POSIXErrorCode.ECONNREFUSED, .ECONNRESET, .ETIMEDOUT, .EHOSTUNREACH, .ENETUNREACH, .EPIPE])
    func networkPOSIXErrorsAreRetryableDependencyFailures(_ code: POSIXErrorCode) {
        let error = BuildErrorClassifier.classify(POSIXError(code))
        #expect(error.kind == .dependency && error.isRetryable && error.code == .providerUnavailable)
    }

    @Test("a POSIX error of this host (out of descriptors) is retryable infra")
    func hostPOSIXErrorsAreRetryableInfra() {
        let error = BuildErrorClassifier.classify(POSIXError(.EMFILE))
        #expect(error.kind == .infra && error.isRetryable && error.code == .systemError)
    }

    @Test("an error nobody classified is a defect: non-retryable infra, with its description")
    func unclassifiedErrorsAreNonRetryableInfra() {
        let error = BuildErrorClassifier.classify(Unexpected())
        #expect(error.code == .unclassified && error.kind == .infra && !error.isRetryable)
        #expect(error.message.contains("Unexpected"))
    }

    @Test("HTTP statuses map in one place", arguments: [
        (401, BuildError.Code.providerCredentials, BuildError.Kind.user, false), (403, .providerCredentials, .user, false),
        (404, .providerNotFound, .user, false), (400, .providerRejected, .user, false), (422, .providerRejected, .user, false),
        (408, .providerUnavailable, .dependency, true), (429, .rateLimited, .dependency, true),
        (500, .providerUnavailable, .dependency, true), (503, .providerUnavailable, .dependency, true),
    ])
    func httpStatusesMapInOnePlace(_ status: Int, code: BuildError.Code, kind: BuildError.Kind, retryable: Bool) {
        let classification = BuildErrorClassifier.classification(ofHTTPStatus: status)
        #expect(classification.code == code && classification.kind == kind && classification.isRetryable == retryable)
    }
}
