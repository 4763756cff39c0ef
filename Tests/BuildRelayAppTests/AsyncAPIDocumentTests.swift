import BuildRelayCore
import BuildRelayTestSupport
import BuildRelayWorker
import Foundation
import Testing
import Yams

/// `schemas/asyncapi.yaml`: a valid AsyncAPI 3.0 document (PyPI's `asyncapi3` object model, every `$ref`
/// resolved) that says what the code does: the topics, keys, headers and payload schemas.
@Suite("AsyncAPI document")
struct AsyncAPIDocumentTests {
    static let path = repositoryRoot.appendingPathComponent("schemas/asyncapi.yaml")

    func validate(_ file: String) async throws -> (status: Int32, output: String) {
        try await PythonJSONSchema.run(["schemas/validate_asyncapi.py", file])
    }

    @Test("it validates as AsyncAPI 3.0, and the validator refuses a broken copy")
    func validates() async throws {
        let valid = try await validate(Self.path.path)
        #expect(valid.status == 0, "\(valid.output)")
        let text = try String(contentsOf: Self.path, encoding: .utf8)
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("asyncapi")).yaml")
        try text.replacingOccurrences(of: "action: send", with: "action: publish")
            .replacingOccurrences(of: "'#/components/messages/cancel'", with: "'#/components/messages/abort'")
            .write(to: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: broken) }
        let refused = try await validate(broken.path)
        #expect(refused.status == 1)
        #expect(refused.output.contains("Input should be 'send' or 'receive'"), "\(refused.output)")
        #expect(refused.output.contains("$ref #/components/messages/abort does not resolve"), "\(refused.output)")
        #expect(refused.output.contains("./trigger.schema.json names no file"), "a copy elsewhere has no schemas beside it: \(refused.output)")
    }

    @Test("its channels, keys, headers and payloads are the code's")
    func agreesWithTheCode() throws {
        let document = try #require(try Yams.load(yaml: String(contentsOf: Self.path, encoding: .utf8)) as? [String: Any])
        let channels = try #require(document["channels"] as? [String: [String: Any]])
        let topics = WorkerTopics()
        #expect(Set(channels.values.compactMap { $0["address"] as? String }) == Set(topics.all))
        let text = try String(contentsOf: Self.path, encoding: .utf8)
        for header in ["traceparent", "buildrelay-forwarded-from", "buildrelay-error", "buildrelay-source-topic", "buildrelay-source-partition",
                       "buildrelay-source-offset", "buildrelay-truncated", "content-type"] {
            #expect(text.contains("\(header):"), "the header \(header) is not described")
        }
        #expect(text.contains("of type \(StatusEventEncoder.eventType),"))
        for schema in ["trigger", "cancel", "refresh", "status-event", "state-record"] {
            #expect(text.contains("payload: {$ref: './\(schema).schema.json'}"), "\(schema)")
        }
        let operations = try #require(document["operations"] as? [String: [String: Any]])
        #expect(operations.values.compactMap { $0["action"] as? String }.sorted() == ["receive", "receive", "receive", "send", "send", "send", "send"])
    }
}
