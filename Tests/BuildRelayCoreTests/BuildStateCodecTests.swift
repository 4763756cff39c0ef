@testable import BuildRelayCore
import BuildRelayTestSupport
import Foundation
import Testing

@Suite struct BuildStateCodecTests {
    @Test("the schema's examples decode and encode back to the same bytes", arguments: ["state-running.json", "state-cancel-before-trigger.json"])
    func examplesRoundTrip(_ name: String) async throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("schemas/examples/\(name)"), encoding: .utf8)
        let bytes = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        let record = try BuildStateCodec.decode(bytes)
        #expect(BuildStateCodec.encode(record) == bytes)
    }

    @Test("the last event survives the round trip byte for byte, escapes and non-ASCII included")
    func lastEventBytesSurvive() async throws {
        let event = StatusEvent(
            requestID: RequestID(rawValue: "req-1")!, queue: "main", buildID: BuildID("7"), status: .failed, previousStatus: .running,
            sequence: 3, metadata: ["note": "line\nbreak \"quoted\" ünïcode \\ tab\t"], error: .buildFailed("exit 1: \u{1}"),
            timeMilliseconds: 1_795_961_391_412, traceparent: TraceParent.random())
        let bytes = StatusEventEncoder(groupID: "g").encode(event)
        let record = BuildStateRecord(
            requestID: event.requestID, queue: "main", buildID: event.buildID, status: .failed, sequence: 3, metadata: ["a": "b"],
            traceparent: event.traceparent, triggeredAt: 1, settledAt: 2, recordedAt: 3, lastEvent: bytes)
        let decoded = try BuildStateCodec.decode(BuildStateCodec.encode(record))
        #expect(decoded == record)
        #expect(decoded.lastEvent == bytes)
    }

    /// The buffer is reserved from the estimate: short, it grows by doubling; far too long, a typical record's
    /// buffer passes 1 KB and glibc serves it from its slow path.
    @Test("the size estimate covers a record without escapes, and exceeds it by little", arguments: [0, 1, 8])
    func sizeEstimate(metadataEntries: Int) async throws {
        let metadata = BuildMetadata(Dictionary(uniqueKeysWithValues: (0..<metadataEntries).map { ("key-\($0)", "value \($0)") }))
        let event = StatusEvent(
            requestID: RequestID(rawValue: "drain-99999")!, queue: "fast", buildID: BuildID("noop-drain-99999"), status: .succeeded,
            previousStatus: .unknown, sequence: 1, metadata: metadata, error: nil, timeMilliseconds: 1_795_961_391_412,
            traceparent: TraceParent.random())
        let bytes = StatusEventEncoder(groupID: "buildrelay").encode(event)
        let record = BuildStateRecord(
            requestID: event.requestID, queue: event.queue, buildID: event.buildID, status: .succeeded, sequence: Int(Int32.max),
            cancelRequested: true, metadata: metadata, traceparent: event.traceparent, triggeredAt: 1_795_961_391_000,
            settledAt: 1_795_961_391_412, recordedAt: 1_795_961_391_412, lastEvent: bytes)
        let encoded = BuildStateCodec.encode(record).count
        let estimate = BuildStateCodec.estimatedSize(of: record)
        #expect(estimate >= encoded)
        #expect(estimate <= encoded + 96)
    }

    @Test("records of another version or shape are refused with a reason")
    func invalidRecords() {
        for text in [#"{"version":2}"#, "[]", #"{"version":1,"requestId":"bad id"}"#, #"{"version":1,"requestId":"r","queue":"q","status":"odd"}"#] {
            #expect(throws: BuildStateCodec.Failure.self) { try BuildStateCodec.decode(Array(text.utf8)) }
        }
    }
}
