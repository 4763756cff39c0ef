import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
import Testing

/// The vendors' webhook deliveries: who may send them, and what they ask for.
@Suite("Webhook formats")
struct WebhookFormatTests {
    static let secret = Secret("whsec-7f3a-very-secret")
    let now = Date()

    func delivery(_ webhook: VendorWebhook, headers change: (inout [String: String]) -> Void = { _ in }, body: [UInt8]? = nil) -> WebhookDelivery {
        var headers = webhook.headers
        change(&headers)
        return WebhookDelivery(headers: headers, body: body ?? webhook.body)
    }

    @Test("Buildkite: the token form and the signature form authenticate; a wrong, missing or stale proof or an altered body does not")
    func buildkiteAuthentication() {
        let format = BuildkiteWebhook()
        let secret = Self.secret.value
        let token = VendorWebhook.buildkite(event: "build.running", number: 42, state: "running", requestID: "req-1", secret: secret)
        let signed = VendorWebhook.buildkite(event: "build.running", number: 42, state: "running", requestID: "req-1", secret: secret, proof: .signature(at: now))
        #expect(format.authenticates(delivery(token), secret: Self.secret, now: now))
        #expect(format.authenticates(delivery(signed), secret: Self.secret, now: now))
        #expect(!format.authenticates(delivery(token) { $0["X-Buildkite-Token"] = "whsec-7f3a-very-secreT" }, secret: Self.secret, now: now))
        #expect(!format.authenticates(delivery(token) { $0["X-Buildkite-Token"] = nil }, secret: Self.secret, now: now))
        let wrongKey = VendorWebhook.buildkite(event: "build.running", number: 42, state: "running", requestID: "req-1", secret: "other", proof: .signature(at: now))
        #expect(!format.authenticates(delivery(wrongKey), secret: Self.secret, now: now))
        let stale = VendorWebhook.buildkite(event: "build.running", number: 42, state: "running", requestID: "req-1", secret: secret, proof: .signature(at: now - 301))
        #expect(!format.authenticates(delivery(stale), secret: Self.secret, now: now), "older than five minutes")
        #expect(format.authenticates(delivery(stale), secret: Self.secret, now: now - 10), "within five minutes of the receiver's clock")
        var altered = signed.body
        altered[altered.count / 2] ^= 1
        #expect(!format.authenticates(delivery(signed, body: altered), secret: Self.secret, now: now), "a body changed after signing")
        #expect(!format.authenticates(delivery(signed) { $0["X-Buildkite-Signature"] = "timestamp=\(Int(now.timeIntervalSince1970)),signature=zz" }, secret: Self.secret, now: now))
    }

    @Test("Buildkite: a BuildRelay build's event asks for a refresh with its status; pings and other builds ask for nothing")
    func buildkiteRefresh() throws {
        let format = BuildkiteWebhook()
        let secret = Self.secret.value
        let finished = VendorWebhook.buildkite(event: "build.finished", number: 42, state: "passed", requestID: "req-1", queue: "main", secret: secret)
        #expect(try format.refresh(for: delivery(finished)) == RefreshCommand(
            requestID: RequestID(rawValue: "req-1")!, queue: "main", buildID: BuildID("42"), observedStatus: .succeeded))
        let blocked = VendorWebhook.buildkite(event: "build.running", number: 43, state: "some_new_state", requestID: "req-2", secret: secret)
        #expect(try format.refresh(for: delivery(blocked))?.observedStatus == nil, "a state the contract does not map is no hint")
        let foreign = VendorWebhook.buildkite(event: "build.finished", number: 44, state: "passed", requestID: nil, secret: secret)
        #expect(try format.refresh(for: delivery(foreign)) == nil)
        #expect(try format.refresh(for: WebhookDelivery(headers: [:], body: Array(#"{"event":"ping","service":{}}"#.utf8))) == nil)
        #expect(throws: WebhookPayloadError.self) { try format.refresh(for: WebhookDelivery(headers: [:], body: Array("not json".utf8))) }
    }

    @Test("GitHub: X-Hub-Signature-256 over the body authenticates; a wrong or missing signature or an altered body does not")
    func gitHubAuthentication() {
        let format = GitHubWebhook()
        let run = VendorWebhook.gitHubWorkflowRun(action: "in_progress", id: 7, status: "in_progress", runName: "BuildRelay req-1", secret: Self.secret.value)
        #expect(format.authenticates(delivery(run), secret: Self.secret, now: now))
        #expect(!format.authenticates(delivery(run) { $0["X-Hub-Signature-256"] = nil }, secret: Self.secret, now: now))
        #expect(!format.authenticates(delivery(run) { $0["X-Hub-Signature-256"] = "sha1=abc" }, secret: Self.secret, now: now))
        let wrongKey = VendorWebhook.gitHubWorkflowRun(action: "in_progress", id: 7, status: "in_progress", runName: "BuildRelay req-1", secret: "other")
        #expect(!format.authenticates(delivery(wrongKey), secret: Self.secret, now: now))
        var altered = run.body
        altered[altered.count / 2] ^= 1
        #expect(!format.authenticates(delivery(run, body: altered), secret: Self.secret, now: now))
    }

    @Test("GitHub: a run named by BuildRelay's run-name asks for a refresh; a ping and other runs ask for nothing")
    func gitHubRefresh() throws {
        let format = GitHubWebhook()
        let done = VendorWebhook.gitHubWorkflowRun(
            action: "completed", id: 7, status: "completed", conclusion: "success", runName: "BuildRelay req-1", secret: Self.secret.value)
        #expect(try format.refresh(for: delivery(done)) == RefreshCommand(
            requestID: RequestID(rawValue: "req-1")!, buildID: BuildID("run-7"), observedStatus: .succeeded))
        let other = VendorWebhook.gitHubWorkflowRun(action: "requested", id: 8, status: "queued", runName: "Nightly", secret: Self.secret.value)
        #expect(try format.refresh(for: delivery(other)) == nil)
        #expect(try format.refresh(for: delivery(VendorWebhook.gitHubPing(secret: Self.secret.value))) == nil)
        #expect(throws: WebhookPayloadError.self) {
            try format.refresh(for: WebhookDelivery(headers: ["X-GitHub-Event": "workflow_run"], body: Array("{}".utf8)))
        }
    }

    @Test("Jenkins: the Notification plugin's delivery with the bearer secret authenticates; a wrong or missing one does not")
    func jenkinsAuthentication() {
        let format = JenkinsWebhook()
        let started = VendorWebhook.jenkinsNotification(phase: "STARTED", number: 7, queueID: 31, requestID: "req-j", secret: Self.secret.value)
        #expect(format.authenticates(delivery(started), secret: Self.secret, now: now))
        #expect(!format.authenticates(delivery(started) { $0["Authorization"] = "Bearer whsec-7f3a-very-secreT" }, secret: Self.secret, now: now))
        #expect(!format.authenticates(delivery(started) { $0["Authorization"] = nil }, secret: Self.secret, now: now))
        #expect(!format.authenticates(delivery(started) { $0["Authorization"] = "Basic \(Self.secret.value)" }, secret: Self.secret, now: now))
    }

    @Test("Jenkins: each phase of a BuildRelay build asks for a refresh of its queue item with what it says; other builds ask for nothing",
          arguments: [("QUEUED", nil, BuildStatus.accepted), ("STARTED", nil, .running), ("COMPLETED", "SUCCESS", .succeeded),
                      ("FINALIZED", "UNSTABLE", .failed), ("COMPLETED", "ABORTED", .cancelled)])
    func jenkinsRefresh(_ phase: String, _ result: String?, _ observed: BuildStatus) throws {
        let format = JenkinsWebhook()
        let webhook = VendorWebhook.jenkinsNotification(phase: phase, number: 7, queueID: 31, status: result, requestID: "req-j", secret: Self.secret.value)
        #expect(try format.refresh(for: delivery(webhook)) == RefreshCommand(
            requestID: RequestID(rawValue: "req-j")!, queue: "nightly", buildID: BuildID("queue-31"), observedStatus: observed))
        let foreign = VendorWebhook.jenkinsNotification(phase: phase, number: 8, queueID: 32, status: result, requestID: nil, secret: Self.secret.value)
        #expect(try format.refresh(for: delivery(foreign)) == nil)
        #expect(throws: WebhookPayloadError.self) { try format.refresh(for: delivery(webhook, body: Array("<xml/>".utf8))) }
    }
}
