import BuildRelayCore
import BuildRelayTestSupport
import Foundation
import Testing

@Suite("Status events are CloudEvents in a fixed shape")
struct StatusEventEncoderTests {
    let encoder = StatusEventEncoder(groupID: "buildrelay")

    static let running = StatusEvent(
        requestID: RequestID(rawValue: "req-7f3a")!, queue: "main", buildID: BuildID("1234"), status: .running,
        previousStatus: .accepted, sequence: 2,
        metadata: ["author": "kim", "url": "https://buildkite.com/acme/api/builds/1234"], error: nil,
        timeMilliseconds: 1795960991412,  // 2026-11-29T14:03:11.412Z
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")

    @Test("the contract's example event encodes to exactly its members, compactly, in a fixed order")
    func contractExampleBytes() async throws {
        let bytes = encoder.encode(Self.running)
        let expected = #"{"specversion":"1.0","id":"req-7f3a:2","source":"buildrelay://buildrelay","type":"dev.buildrelay.build.status.v1","subject":"req-7f3a","time":"2026-11-29T14:03:11.412Z","datacontenttype":"application/json","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","data":{"requestId":"req-7f3a","queue":"main","buildId":"1234","status":"running","previousStatus":"accepted","sequence":2,"metadata":{"author":"kim","url":"https://buildkite.com/acme/api/builds/1234"},"error":null}}"#
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        // And it means the same as the example in schemas/.
        let example = try JSONParser.parse(Array(Data(contentsOf: repositoryRoot.appendingPathComponent("schemas/examples/status-running.json"))))
        #expect(try JSONParser.parse(bytes) == example)
    }

    @Test("a failed event carries its classified error; strings are escaped")
    func failedEventWithEscapes() async throws {
        var event = Self.running
        event.status = .failed
        event.queue = "q\"\\\n\u{01}é"
        event.error = BuildError(code: .unknownQueue, kind: .user, isRetryable: false, message: "queue \"x\" is not configured")
        let parsed = try JSONParser.parse(encoder.encode(event))
        guard case .object(let envelope) = parsed, case .object(let data)? = envelope["data"] else { Issue.record("bad shape"); return }
        #expect(data["queue"] == .string("q\"\\\n\u{01}é"))
        #expect(data["error"] == .object(["kind": .string("user"), "retryable": .bool(false), "message": .string("queue \"x\" is not configured")]))
    }

    @Test("timestamps are RFC 3339 UTC with milliseconds, across leap years and the epoch")
    func timestamps() {
        func time(_ milliseconds: Int64) -> String {
            var event = Self.running
            event.timeMilliseconds = milliseconds
            let text = String(decoding: encoder.encode(event), as: UTF8.self)
            return String(text.split(separator: "\"time\":\"")[1].prefix(24))
        }
        #expect(time(0) == "1970-01-01T00:00:00.000Z")
        #expect(time(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(time(1_709_251_199_999) == "2024-02-29T23:59:59.999Z")
        #expect(time(4_102_444_800_000) == "2100-01-01T00:00:00.000Z")
        // Cross-check against Foundation for a spread of instants.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for milliseconds in stride(from: Int64(0), to: 4_000_000_000_000, by: 97_654_321_123) {
            #expect(time(milliseconds) == formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)))
        }
    }

    @Test("encoded events validate against schemas/status-event.schema.json", .enabled(if: PythonJSONSchema.isAvailable, "python3 with jsonschema is not installed"))
    func encodedEventsValidateAgainstTheSchema() async throws {
        var failed = Self.running
        failed.status = .failed
        failed.previousStatus = .unknown
        failed.sequence = 1
        failed.buildID = nil
        failed.metadata = [:]
        failed.error = BuildError(code: .unknownQueue, kind: .user, isRetryable: false, message: "queue \"x\" is not configured")
        var cancelled = Self.running
        cancelled.status = .cancelled
        cancelled.sequence = 3
        let lines = [Self.running, failed, cancelled].map { String(decoding: encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
        let result = try await PythonJSONSchema.validate(schema: "status-event.schema.json", lines: lines)
        #expect(result.status == 0, "\(result.output)")

        var invalid = Self.running
        invalid.status = .failed  // failed without an error: the schema must refuse it
        let refused = try await PythonJSONSchema.validate(schema: "status-event.schema.json", lines: String(decoding: encoder.encode(invalid), as: UTF8.self))
        #expect(refused.status == 1)
    }

    @Test("every example under schemas/ validates against its schema", .enabled(if: PythonJSONSchema.isAvailable, "python3 with jsonschema is not installed"))
    func examplesValidate() async throws {
        for (schema, examples) in [("trigger.schema.json", ["trigger.json"]), ("cancel.schema.json", ["cancel.json"]), ("refresh.schema.json", ["refresh.json"]),
                                   ("status-event.schema.json", ["status-running.json", "status-failed.json"]),
                                   ("state-record.schema.json", ["state-running.json", "state-cancel-before-trigger.json"]),
                                   ("build-summary.schema.json", ["build-summary.json"])] {
            let result = try await PythonJSONSchema.validate(schema: schema, files: examples.map { "schemas/examples/\($0)" })
            #expect(result.status == 0, "\(schema): \(result.output)")
        }
    }
}

