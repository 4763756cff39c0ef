import BuildRelayCore
import Testing

@Suite("A trigger's content digest")
struct ContentDigestTests {
    let trigger = TriggerCommand(
        requestID: RequestID(rawValue: "req-1")!, queue: "sim",
        changes: [BuildChange(uris: ["github://acme/api/pull/1/abc"]), BuildChange(uris: ["b", "é😀"], action: .apply)],
        metadata: BuildMetadata(["z": "1", "author": "kim"]))

    /// State records written by earlier releases hold digests: the value must never change. Computed independently
    /// (FNV-1a 64 over the UTF-8 of queue, then each change's action, URIs and a 0x1E, then the metadata sorted by key;
    /// a 0x1F after each field).
    @Test("is FNV-1a over the fields, as 16 lowercase hex digits, the same in every release")
    func stableValue() {
        #expect(trigger.contentDigest == "5cc8bf4109601d77")
    }

    @Test("changes with the content, not with the request id")
    func dependsOnContent() {
        var other = trigger
        other.requestID = RequestID(rawValue: "req-2")!
        #expect(other.contentDigest == trigger.contentDigest)
        other.changes[1].action = .validate
        #expect(other.contentDigest != trigger.contentDigest)
    }
}
