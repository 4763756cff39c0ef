import BuildRelayCore
import BuildRelayTestSupport
import Foundation
import Testing

@Suite("Command decoding follows the contract")
struct CommandDecoderTests {
    let decoder = CommandDecoder()

    func decode(_ json: String, key: String? = "req-1") -> Result<BuildCommand, CommandRejection> {
        decoder.decode(key: key.map { Array($0.utf8) }, value: Array(json.utf8))
    }

    @Test("the contract's trigger example decodes with its changes in order and its metadata")
    func contractTriggerExample() async throws {
        let json = try String(contentsOf: repositoryRoot.appendingPathComponent("schemas/examples/trigger.json"), encoding: .utf8)
        let command = try decode(json, key: "req-7f3a").get()
        guard case .trigger(let trigger) = command else { Issue.record("not a trigger: \(command)"); return }
        #expect(trigger.requestID.rawValue == "req-7f3a")
        #expect(trigger.queue == "main")
        #expect(trigger.changes == [BuildChange(uris: ["github://acme/api/pull/123/9fceb02d0ae598e95dc970b74767f19372d61af8"], action: .validate)])
        #expect(trigger.metadata == ["author": "kim"])
    }

    @Test("the contract's cancel example decodes with its reason")
    func contractCancelExample() async throws {
        let json = try String(contentsOf: repositoryRoot.appendingPathComponent("schemas/examples/cancel.json"), encoding: .utf8)
        #expect(try decode(json, key: "req-7f3a").get() == .cancel(CancelCommand(requestID: RequestID(rawValue: "req-7f3a")!, reason: "superseded")))
    }

    @Test("the contract's refresh example decodes with its hints")
    func contractRefreshExample() async throws {
        let json = try String(contentsOf: repositoryRoot.appendingPathComponent("schemas/examples/refresh.json"), encoding: .utf8)
        #expect(try decode(json, key: "req-7f3a").get() == .refresh(RefreshCommand(
            requestID: RequestID(rawValue: "req-7f3a")!, queue: "main", buildID: BuildID("1234"), observedStatus: .running)))
    }

    @Test("action defaults to validate, metadata to empty, and unknown members are ignored")
    func defaultsAndForwardCompatibility() async throws {
        let command = try decode(#"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":["a"]},{"uris":["b","c"],"action":"apply"}],"future":{"x":[1,2]}}"#).get()
        #expect(command == .trigger(TriggerCommand(
            requestID: RequestID(rawValue: "req-1")!, queue: "q",
            changes: [BuildChange(uris: ["a"]), BuildChange(uris: ["b", "c"], action: .apply)])))
    }

    @Test("escaped strings decode: quotes, backslashes, \\u escapes and surrogate pairs")
    func escapedStrings() async throws {
        let command = try decode(#"{"type":"trigger","requestId":"req-1","queue":"q\"\\\u00e9\ud83d\ude00","changes":[{"uris":["a"]}]}"#).get()
        guard case .trigger(let trigger) = command else { Issue.record("not a trigger"); return }
        #expect(trigger.queue == "q\"\\é😀")
    }

    static let badCommands: [(String, String?, String, String)] = [
        // (description, key, value, expected fragment of the reason)
        ("empty record", "req-1", "", "empty record"),
        ("not JSON", "req-1", "hello", "not valid JSON"),
        ("truncated JSON", "req-1", #"{"type":"trigger""#, "not valid JSON"),
        ("trailing data", "req-1", #"{"type":"cancel","requestId":"req-1"} x"#, "unexpected data"),
        ("a JSON array", "req-1", "[1,2]", "must be a JSON object, not array"),
        ("a JSON string", "req-1", #""trigger""#, "must be a JSON object, not string"),
        ("JSON null", "req-1", "null", "must be a JSON object, not null"),
        ("missing requestId", "req-1", #"{"type":"cancel"}"#, "missing requestId"),
        ("numeric requestId", "req-1", #"{"type":"cancel","requestId":7}"#, "requestId must be a string"),
        ("empty requestId", "req-1", #"{"type":"cancel","requestId":""}"#, "requestId must be 1-256"),
        ("requestId with a space", "req-1", #"{"type":"cancel","requestId":"req 1"}"#, "requestId must be 1-256"),
        ("requestId of 257 characters", "req-1", #"{"type":"cancel","requestId":"\#(String(repeating: "a", count: 257))"}"#, "requestId must be 1-256"),
        ("missing type", "req-1", #"{"requestId":"req-1"}"#, "missing type"),
        ("numeric type", "req-1", #"{"type":1,"requestId":"req-1"}"#, "type must be a string"),
        ("unknown type", "req-1", #"{"type":"rebuild","requestId":"req-1"}"#, "unknown command type \"rebuild\""),
        ("missing queue", "req-1", #"{"type":"trigger","requestId":"req-1","changes":[{"uris":["a"]}]}"#, "missing queue"),
        ("empty queue", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"","changes":[{"uris":["a"]}]}"#, "queue must be 1-256"),
        ("queue not a string", "req-1", #"{"type":"trigger","requestId":"req-1","queue":["q"],"changes":[{"uris":["a"]}]}"#, "queue must be a string, not array"),
        ("missing changes", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q"}"#, "missing changes"),
        ("changes not an array", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":{"uris":["a"]}}"#, "changes must be an array"),
        ("no changes", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[]}"#, "changes must have 1-1000 entries, not 0"),
        ("1001 changes", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[\#(Array(repeating: #"{"uris":["a"]}"#, count: 1001).joined(separator: ","))]}"#, "not 1001"),
        ("a change that is a string", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":["a"]}"#, "changes[0] must be an object"),
        ("a change without uris", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"action":"apply"}]}"#, "changes[0].uris must be an array"),
        ("empty uris", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":[]}]}"#, "changes[0].uris must have 1-100 entries"),
        ("101 uris", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":[\#(Array(repeating: #""u""#, count: 101).joined(separator: ","))]}]}"#, "not 101"),
        ("an empty uri", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":["a",""]}]}"#, "changes[0].uris[1] must be a non-empty string"),
        ("a numeric uri", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":[5]}]}"#, "changes[0].uris[0] must be a non-empty string"),
        ("unknown action", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":["a"],"action":"merge"}]}"#, "action must be apply or validate"),
        ("metadata not an object", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":["a"]}],"metadata":[]}"#, "metadata must be an object"),
        ("metadata with a number", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":["a"]}],"metadata":{"n":1}}"#, "metadata.n must be a string"),
        ("65 metadata entries", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":["a"]}],"metadata":{\#((0..<65).map { #""k\#($0)":"v""# }.joined(separator: ","))}}"#, "more than 64"),
        ("a duplicated member", "req-1", #"{"type":"cancel","requestId":"req-1","requestId":"req-2"}"#, "duplicated member \"requestId\""),
        ("refresh with an unknown status", "req-1", #"{"type":"refresh","requestId":"req-1","observedStatus":"done"}"#, "observedStatus must be accepted"),
        ("refresh with the unknown status", "req-1", #"{"type":"refresh","requestId":"req-1","observedStatus":"unknown"}"#, "observedStatus must be accepted"),
        ("refresh with a numeric build id", "req-1", #"{"type":"refresh","requestId":"req-1","buildId":1234}"#, "buildId must be a string"),
        ("a duplicated nested member", "req-1", #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":["a"],"uris":["b"]}]}"#, "duplicated member \"uris\""),
        ("a numeric cancel reason", "req-1", #"{"type":"cancel","requestId":"req-1","reason":5}"#, "reason must be a string"),
        ("an unescaped control character", "req-1", "{\"type\":\"cancel\",\"requestId\":\"req-1\",\"reason\":\"a\u{01}b\"}", "unescaped control character"),
        ("an invalid escape", "req-1", #"{"type":"cancel","requestId":"req-1","reason":"\q"}"#, "invalid escape"),
        ("a lone surrogate", "req-1", #"{"type":"cancel","requestId":"req-1","reason":"\ud800"}"#, "unpaired surrogate"),
        ("nesting 100 levels deep", "req-1", #"{"type":"cancel","requestId":"req-1","x":\#(String(repeating: "[", count: 100))\#(String(repeating: "]", count: 100))}"#, "nesting deeper than 64"),
        ("a leading-zero number", "req-1", #"{"type":"cancel","requestId":"req-1","x":01}"#, "not valid JSON"),
        ("no record key", nil, #"{"type":"cancel","requestId":"req-1"}"#, "the record has no key"),
        ("a key other than the requestId", "req-2", #"{"type":"cancel","requestId":"req-1"}"#, "record key \"req-2\" is not the command's requestId"),
    ]

    @Test("every kind of bad command is rejected with a readable reason", arguments: badCommands.indices)
    func badCommandIsRejected(_ index: Int) {
        let (description, key, value, expected) = Self.badCommands[index]
        switch decode(value, key: key) {
        case .success(let command):
            Issue.record("\(description): accepted as \(command)")
        case .failure(let rejection):
            #expect(rejection.reason.contains(expected), "\(description): \(rejection.reason)")
        }
    }

    @Test("invalid UTF-8 is rejected, naming the offset")
    func invalidUTF8() {
        var bytes = Array(#"{"type":"cancel","requestId":"req-1","reason":"ab"#.utf8)
        let offset = bytes.count
        bytes += [0xFF, 0xFE] + Array(#""}"#.utf8)
        let result = decoder.decode(key: Array("req-1".utf8), value: bytes)
        guard case .failure(let rejection) = result else { Issue.record("accepted invalid UTF-8"); return }
        #expect(rejection.reason == "not valid JSON: not valid UTF-8 at byte \(offset)")
    }

    @Test("a command larger than worker.maxCommandBytes is rejected before parsing")
    func oversizeCommand() {
        let small = CommandDecoder(maximumCommandBytes: 100)
        let value = #"{"type":"cancel","requestId":"req-1","reason":"\#(String(repeating: "x", count: 200))"}"#
        guard case .failure(let rejection) = small.decode(key: Array("req-1".utf8), value: Array(value.utf8)) else {
            Issue.record("accepted an oversize command"); return
        }
        #expect(rejection.reason.contains("more than worker.maxCommandBytes (100)"))
    }

    @Test("a rejection keeps the requestId when it was readable and the record was keyed by it, so the caller can get a failed event")
    func rejectionCarriesReadableRequestID() {
        guard case .failure(let withID) = decode(#"{"type":"trigger","requestId":"req-1","queue":"q","changes":[]}"#) else { Issue.record("accepted"); return }
        #expect(withID.requestID?.rawValue == "req-1")
        guard case .failure(let keyMismatch) = decode(#"{"type":"cancel","requestId":"req-1"}"#, key: "other") else { Issue.record("accepted"); return }
        #expect(keyMismatch.requestID == nil)
        guard case .failure(let withoutID) = decode(#"{"type":"cancel","requestId":"bad id"}"#) else { Issue.record("accepted"); return }
        #expect(withoutID.requestID == nil)
    }
}

@Suite struct CommandEncoderTests {
    @Test("encoded commands decode to themselves", arguments: [
        BuildCommand.trigger(TriggerCommand(
            requestID: RequestID(rawValue: "req-1")!, queue: "main",
            changes: [BuildChange(uris: ["github://a/b/pull/1/\"quoted\""], action: .apply), BuildChange(uris: ["x", "y"])],
            metadata: ["author": "kim", "note": "ünïcode\n"])),
        BuildCommand.cancel(CancelCommand(requestID: RequestID(rawValue: "req-1")!, reason: "superseded")),
        BuildCommand.cancel(CancelCommand(requestID: RequestID(rawValue: "req-1")!)),
        BuildCommand.refresh(RefreshCommand(requestID: RequestID(rawValue: "req-1")!)),
        BuildCommand.refresh(RefreshCommand(requestID: RequestID(rawValue: "req-1")!, queue: "main", buildID: BuildID("1234"), observedStatus: .running)),
    ])
    func roundTrip(_ command: BuildCommand) throws {
        let bytes = CommandEncoder.encode(command)
        #expect(try CommandDecoder().decode(key: Array("req-1".utf8), value: bytes).get() == command)
    }
}
