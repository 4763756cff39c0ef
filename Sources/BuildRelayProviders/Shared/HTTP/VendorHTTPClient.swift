import AsyncHTTPClient
import BuildRelayCore
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
import Tracing

/// The HTTP plumbing every vendor provider shares: one connection pool per manager, timeouts, the queue's request
/// budget and the vendor's rate-limit answers, retries of what is safe to retry, and errors classified for the
/// worker with every credential redacted.
///
/// ``send(_:)`` returns any answer the caller must interpret (2xx, 404, 409, 422, ...); it retries, then throws a
/// ``BuildError``, for what no caller can use: 429 (any request: the vendor did not process it), and for
/// idempotent requests 5xx, timeouts and connection failures. ``failure(_:for:)`` classifies the rest.
final class VendorHTTPClient: Sendable {
    struct Settings: Sendable {
        /// Named in messages: "Buildkite", "Jenkins", "GitHub".
        var vendor: String
        /// The API's root.
        var baseURL: String
        var credentials: HTTPCredentials
        /// Where the credentials come from, for "check …" in messages (`queues.main.buildkite.tokenEnv`).
        var credentialsSetting: String
        var requestsPerMinute: Int?
        var requestTimeout: Duration
        var headers: [(name: String, value: String)] = []
        var maximumAttempts = 4
        var maximumResponseBytes = 4 << 20
    }

    let settings: Settings
    /// The `Authorization` header, made once.
    private let authorization: String
    private let client: HTTPClient
    private let budget: RequestBudget
    private let logger: Logger

    init(settings: Settings, logger: Logger) {
        var settings = settings
        while settings.baseURL.hasSuffix("/") { settings.baseURL.removeLast() }
        self.settings = settings
        self.authorization = settings.credentials.authorization
        self.budget = RequestBudget(requestsPerMinute: settings.requestsPerMinute)
        self.logger = logger
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .milliseconds(settings.requestTimeout.wholeMilliseconds)))
        configuration.httpVersion = .automatic
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends `request` within the budget, retrying as described above.
    func send(_ request: VendorRequest) async throws -> VendorResponse {
        var attempt = 1
        while true {
            try await budget.acquire(isPoll: ServiceContext.current?.providerCall?.isPoll ?? false)
            let started = ContinuousClock.now
            let outcome: Result<VendorResponse, any Error>
            do {
                outcome = .success(try await execute(request))
            } catch {
                outcome = .failure(error)
            }
            let milliseconds = (ContinuousClock.now - started).wholeMilliseconds
            switch outcome {
            case .success(let response):
                logger.debug("provider request", metadata: [
                    "provider.request": "\(request.summary)", "http.status": "\(response.status)", "durationMs": "\(milliseconds)", "attempt": "\(attempt)",
                ])
                observeBudget(response)
                let pause = announcedPause(response)
                if let pause { budget.pause(for: pause) }
                let rateLimited = response.status == 429 || (pause != nil && (response.status == 403 || response.status == 503))
                if rateLimited { countRateLimited() }
                let unavailable = response.status >= 500 || response.status == 408
                guard rateLimited || (unavailable && request.isIdempotent) else { return response }
                guard attempt < settings.maximumAttempts else { throw failure(response, for: request) }
                if pause == nil { try await Task.sleep(for: backoff(attempt)) }
            case .failure(let error):
                if error is CancellationError { throw error }
                logger.debug("provider request failed", metadata: [
                    "provider.request": "\(request.summary)", "error": "\(redact(String(describing: error)))", "attempt": "\(attempt)",
                ])
                guard request.isIdempotent || Self.neverSent(error), attempt < settings.maximumAttempts else {
                    // A request that failed without an answer: what the classifier knows of the error (a misconfigured
                    // URL, interrupted work), or else the provider could not be reached (TLS and other transport errors).
                    var classified = BuildErrorClassifier.classify(error)
                    if classified.code == .unclassified { classified = BuildError(code: .providerUnavailable, kind: .dependency, isRetryable: true, message: "") }
                    throw BuildError(code: classified.code, kind: classified.kind, isRetryable: classified.isRetryable,
                                     message: redact("\(settings.vendor) \(request.summary) failed: \(Self.describe(error))"))
                }
                try await Task.sleep(for: backoff(attempt))
            }
            attempt += 1
        }
    }

    /// The request failed before any of it reached the vendor (no connection could be had or made), so even one
    /// that is not idempotent (a trigger's POST) can be sent again without doing its work twice.
    static func neverSent(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        guard let error = error as? HTTPClientError else { return false }
        return error == .getConnectionFromPoolTimeout || error == .connectTimeout
    }

    /// Counts a rate-limit answer in `buildrelay_provider_rate_limited_total`, for the queue and provider of the
    /// call it served (retried later, never a build failure; a steady rate means the pool outgrows the budget).
    private func countRateLimited() {
        let call = ServiceContext.current?.providerCall
        Counter(label: "buildrelay_provider_rate_limited_total", dimensions: [
            ("queue", call?.queue ?? "-"), ("provider", call?.provider ?? settings.vendor.lowercased()),
        ]).increment()
    }

    /// Decodes a JSON answer; a body that does not match is a malformed answer (dependency).
    func decode<Value: Decodable>(_ type: Value.Type, from response: VendorResponse, for request: VendorRequest) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw BuildError(code: .providerMalformedResponse, kind: .dependency, isRetryable: true,
                             message: redact("\(settings.vendor) answered \(request.summary) with HTTP \(response.status) and a body BuildRelay cannot read (\(Self.describe(error))): \(snippet(response))"))
        }
    }

    /// The classified error for an answer the caller cannot use (``BuildErrorClassifier``), with a message that says
    /// what to fix.
    func failure(_ response: VendorResponse, for request: VendorRequest, notFound: String? = nil) -> BuildError {
        let prefix = "\(settings.vendor) answered \(request.summary) with HTTP \(response.status)"
        let (code, kind, isRetryable) = BuildErrorClassifier.classification(ofHTTPStatus: response.status)
        let message = switch response.status {
        case 401: "\(prefix): the credentials were refused; check \(settings.credentialsSetting)"
        case 403: "\(prefix): the credentials lack a permission this call needs; check \(settings.credentialsSetting) and its scopes"
        case 404: "\(prefix): \(notFound ?? "not found; check the queue's \(settings.vendor) settings")"
        case 429: "\(prefix): rate limited"
        default: "\(prefix): \(snippet(response))"
        }
        return BuildError(code: code, kind: kind, isRetryable: isRetryable, message: redact(message))
    }

    func redact(_ text: String) -> String { settings.credentials.redact(text) }

    // MARK: Internals

    private func execute(_ request: VendorRequest) async throws -> VendorResponse {
        var outgoing = HTTPClientRequest(url: request.url(base: settings.baseURL))
        outgoing.method = request.method
        outgoing.headers.add(name: "Authorization", value: authorization)
        outgoing.headers.add(name: "User-Agent", value: "buildrelay")
        outgoing.headers.add(name: "Accept", value: "application/json")
        for header in settings.headers + request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        // The build's trace goes on to the vendor. A bootstrapped tracer makes AsyncHTTPClient inject its own span's
        // context instead.
        if InstrumentationSystem.tracer is NoOpTracer, let parent = ServiceContext.current?.buildTraceParent, TraceParent.isValid(parent) {
            outgoing.headers.replaceOrAdd(name: "traceparent", value: TraceParent.child(of: parent))
        }
        switch request.body {
        case .json(let bytes)?:
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            outgoing.body = .bytes(ByteBuffer(bytes: bytes))
        case .form(let fields)?:
            outgoing.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            outgoing.body = .bytes(ByteBuffer(string: VendorRequest.formEncoded(fields)))
        case nil:
            break
        }
        let timeout = TimeAmount.milliseconds(settings.requestTimeout.wholeMilliseconds)
        let response = try await client.execute(outgoing, timeout: timeout)
        let body = try await response.body.collect(upTo: settings.maximumResponseBytes)
        return VendorResponse(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
    }

    /// Feeds the vendor's budget for the organization or token to ``RequestBudget``: Buildkite's `RateLimit-Remaining`,
    /// `RateLimit-Limit` and `RateLimit-Reset` (seconds from now), GitHub's `x-ratelimit-*` (the reset in Unix time).
    private func observeBudget(_ response: VendorResponse) {
        if let remaining = response.header("RateLimit-Remaining").flatMap(Int.init), let limit = response.header("RateLimit-Limit").flatMap(Int.init),
           let reset = response.header("RateLimit-Reset").flatMap(Double.init) {
            budget.observe(remaining: remaining, limit: limit, resetsIn: .milliseconds(Int64(reset * 1000)))
        } else if let remaining = response.header("x-ratelimit-remaining").flatMap(Int.init),
                  let limit = response.header("x-ratelimit-limit").flatMap(Int.init),
                  let reset = response.header("x-ratelimit-reset").flatMap(Double.init) {
            budget.observe(remaining: remaining, limit: limit, resetsIn: .milliseconds(Int64((reset - Date().timeIntervalSince1970) * 1000)))
        }
    }

    /// What the vendor asked us to wait: `Retry-After` (seconds or an HTTP date), or a rate-limit budget at zero
    /// with its reset (`RateLimit-Reset`: seconds from now, Buildkite; `x-ratelimit-reset`: Unix time, GitHub).
    private func announcedPause(_ response: VendorResponse) -> Duration? {
        if let retryAfter = response.header("Retry-After") {
            if let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)) { return .milliseconds(Int64(max(0, seconds) * 1000)) }
            if let date = Self.httpDate(retryAfter) { return .milliseconds(Int64(max(0, date.timeIntervalSinceNow) * 1000)) }
        }
        if response.header("RateLimit-Remaining") == "0", let reset = response.header("RateLimit-Reset").flatMap(Double.init) {
            return .milliseconds(Int64(max(0, reset) * 1000))
        }
        if response.header("x-ratelimit-remaining") == "0", let reset = response.header("x-ratelimit-reset").flatMap(Double.init) {
            return .milliseconds(Int64(max(0, reset - Date().timeIntervalSince1970) * 1000))
        }
        return nil
    }

    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    /// 250 ms doubling per attempt, at most 5 s, with ±20% jitter.
    private func backoff(_ attempt: Int) -> Duration {
        let base = min(5000.0, 250.0 * Double(1 << min(attempt - 1, 10)))
        return .milliseconds(Int64(base * Double.random(in: 0.8...1.2)))
    }

    private func snippet(_ response: VendorResponse) -> String {
        let text = String(decoding: response.body.prefix(300), as: UTF8.self)
        return text.isEmpty ? "(empty body)" : text + (response.body.count > 300 ? "…" : "")
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        if let error = error as? DecodingError {
            switch error {
            case .keyNotFound(let key, _): return "missing \(key.stringValue)"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                return context.codingPath.isEmpty ? context.debugDescription
                    : "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
            @unknown default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
