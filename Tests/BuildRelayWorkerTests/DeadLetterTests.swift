import BuildRelayCore
import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Testing

/// Bad input gets a clear reason and loses nothing: every rejected command reaches the dead-letter topic, and the
/// worker goes on.
@Suite(.timeLimit(.minutes(3)))
struct DeadLetterTests {
    /// (name, key, value) of commands the worker must reject. `%ID%` is replaced by a request id unique to the case.
    static let badCommands: [(name: String, key: String?, value: [UInt8]?)] = {
        let change = #"[{"uris":["u"]}]"#
        func json(_ text: String) -> [UInt8] { Array(text.utf8) }
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        return [
            ("not JSON", "%ID%", json("hello")),
            ("empty value", "%ID%", []),
            ("null value", "%ID%", nil),
            ("an array", "%ID%", json("[]")),
            ("a string", "%ID%", json(#""trigger""#)),
            ("a number", "%ID%", json("42")),
            ("truncated JSON", "%ID%", json(#"{"type":"trig"#)),
            ("trailing garbage", "%ID%", json(#"{"type":"cancel","requestId":"%ID%"} x"#)),
            ("nested too deep", "%ID%", json(deep)),
            ("bad UTF-8", "%ID%", json(#"{"type":"cancel","requestId":"%ID%","reason":""#) + [0xC3, 0x28] + json(#""}"#)),
            ("missing type", "%ID%", json(#"{"requestId":"%ID%"}"#)),
            ("unknown type", "%ID%", json(#"{"type":"rebuild","requestId":"%ID%"}"#)),
            ("type not a string", "%ID%", json(#"{"type":1,"requestId":"%ID%"}"#)),
            ("missing requestId", "%ID%", json(#"{"type":"cancel"}"#)),
            ("requestId a number", "%ID%", json(#"{"type":"cancel","requestId":7}"#)),
            ("requestId with spaces", "bad id", json(#"{"type":"cancel","requestId":"bad id"}"#)),
            ("requestId too long", "%ID%", json(#"{"type":"cancel","requestId":"\#(String(repeating: "a", count: 300))"}"#)),
            ("key other than the requestId", "someone-else", json(#"{"type":"cancel","requestId":"%ID%"}"#)),
            ("no key", nil, json(#"{"type":"cancel","requestId":"%ID%"}"#)),
            ("missing queue", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","changes":\#(change)}"#)),
            ("queue a number", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":3,"changes":\#(change)}"#)),
            ("empty queue", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"","changes":\#(change)}"#)),
            ("missing changes", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim"}"#)),
            ("no changes", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":[]}"#)),
            ("changes an object", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":{}}"#)),
            ("change without uris", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":[{}]}"#)),
            ("empty uris", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":[{"uris":[]}]}"#)),
            ("empty uri", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":[{"uris":[""]}]}"#)),
            ("unknown action", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":[{"uris":["u"],"action":"deploy"}]}"#)),
            ("metadata an array", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":\#(change),"metadata":[]}"#)),
            ("metadata value a number", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":\#(change),"metadata":{"a":1}}"#)),
            ("1,001 changes", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":[\#(Array(repeating: #"{"uris":["u"]}"#, count: 1001).joined(separator: ","))]}"#)),
            ("101 uris", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":[{"uris":[\#(Array(repeating: #""u""#, count: 101).joined(separator: ","))]}]}"#)),
            ("65 metadata entries", "%ID%", json(#"{"type":"trigger","requestId":"%ID%","queue":"sim","changes":\#(change),"metadata":{\#((0..<65).map { #""k\#($0)":"v""# }.joined(separator: ","))}}"#)),
            ("duplicated member", "%ID%", json(#"{"type":"cancel","type":"trigger","requestId":"%ID%"}"#)),
            ("reason a number", "%ID%", json(#"{"type":"cancel","requestId":"%ID%","reason":5}"#)),
            ("larger than maxCommandBytes", "%ID%", json(#"{"type":"cancel","requestId":"%ID%","reason":"\#(String(repeating: "x", count: 600 * 1024))"}"#)),
        ]
    }()

    @Test func everyBadCommandReachesTheDeadLetterTopicAndTheWorkerGoesOn() async throws {
        let harness = try WorkerHarness(partitions: 2)
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        var sent: [(name: String, id: String, value: [UInt8]?)] = []
        for (index, bad) in Self.badCommands.enumerated() {
            let id = "bad-\(index)"
            let value = bad.value.map { Self.replacingPlaceholder(in: $0, with: id) }
            try await harness.send(raw: value, key: bad.key.map { Array($0.replacingOccurrences(of: "%ID%", with: id).utf8) })
            sent.append((bad.name, id, value))
        }
        try await harness.trigger("good-after-bad", queue: "fast")
        try await reader.waitForTerminal("good-after-bad")
        try await waitUntil("every bad command dead-lettered") { reader.deadLettered.count == Self.badCommands.count }

        let deadLetters = reader.deadLettered
        for (name, _, value) in sent {
            guard let record = deadLetters.first(where: { $0.value == value }) else {
                Issue.record("\(name): not in the dead-letter topic")
                continue
            }
            let reason = record.headers.firstValue(named: "buildrelay-error") ?? ""
            #expect(!reason.isEmpty, "\(name): no reason")
            #expect(record.headers.firstValue(named: "buildrelay-source-topic") == harness.topics.commands, "\(name)")
            #expect(record.headers.firstValue(named: "buildrelay-source-partition").flatMap(Int32.init) != nil, "\(name)")
            #expect(record.headers.firstValue(named: "buildrelay-source-offset").flatMap(Int64.init) != nil, "\(name)")
        }
        // A readable request id, keyed correctly, that the worker never saw gets a `failed` event (user).
        let unknownType = try #require(sent.first { $0.name == "unknown type" })
        let failed = try await reader.waitForTerminal(unknownType.id)
        #expect(failed.map(\.status) == ["failed"])
        #expect(failed.first?.errorKind == "user")
        // One keyed by someone else is not this worker's to fail.
        let misKeyed = try #require(sent.first { $0.name == "key other than the requestId" })
        #expect(reader.events(for: misKeyed.id).isEmpty)

        await worker.stop()
        let committed = try await harness.committedOffsets()
        let ends = try await harness.commandTopicEnds()
        #expect(committed == ends, "offsets advance past every dead-lettered command")
        await reader.close()
    }

    @Test func aBadCommandForAKnownBuildDoesNotDisturbIt() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        try await harness.trigger("req-known")
        try await waitUntil("the build is accepted") { !reader.events(for: "req-known").isEmpty }
        try await harness.send(json: #"{"type":"rebuild","requestId":"req-known"}"#, key: "req-known")
        let events = try await reader.waitForTerminal("req-known")
        // Undisturbed: its own transitions, gapless, to success (`running` may be missed by a poll on a loaded machine).
        #expect(events.first?.status == "accepted" && events.last?.status == "succeeded", "\(events.map(\.status))")
        #expect(events.map(\.sequence) == Array(1...events.count))
        try await waitUntil("the bad command is dead-lettered") { reader.deadLettered.count == 1 }
        await worker.stop()
        await reader.close()
    }

    @Test func aCommandOverOneMegabyteIsDeadLetteredTruncated() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        let huge = Array(#"{"type":"cancel","requestId":"req-huge","reason":"\#(String(repeating: "x", count: 1_200_000))"}"#.utf8)
        try await harness.send(raw: huge, key: Array("req-huge".utf8), largeRecords: true)
        try await waitUntil("the huge command dead-lettered") { !reader.deadLettered.isEmpty }
        let record = try #require(reader.deadLettered.first)
        #expect(record.headers.firstValue(named: "buildrelay-truncated") == String(huge.count))
        #expect(record.value == Array(huge.prefix(64 * 1024)))
        #expect(record.headers.firstValue(named: "buildrelay-error")?.contains("maxCommandBytes") == true)
        await worker.stop()
        await reader.close()
    }

    private static func replacingPlaceholder(in bytes: [UInt8], with id: String) -> [UInt8] {
        let placeholder = Array("%ID%".utf8)
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index...].starts(with: placeholder) {
                result += Array(id.utf8)
                index += placeholder.count
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }
}
