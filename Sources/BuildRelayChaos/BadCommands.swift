/// Malformed commands, each one a way a producer can get the contract wrong, keyed `bad-<n>` (unless the mistake is
/// the key itself). Every one must reach the dead-letter topic with a reason, and none may stop a worker.
enum BadCommands {
    struct Record {
        var key: [UInt8]?
        var value: [UInt8]?
        var what: String
    }

    static let validChange = #"[{"uris":["github://acme/api/pull/1/9fceb02d0ae598e95dc970b74767f19372d61af8"]}]"#

    /// At least 50 malformed commands; `bad-<n>` is the n-th one's key (where it has one).
    static func corpus() -> [Record] {
        var bodies: [(String, (String) -> String)] = [
            ("empty object", { _ in "{}" }),
            ("not JSON", { _ in "hello" }),
            ("truncated JSON", { id in #"{"type":"trigger","requestId":"\#(id)""# }),
            ("a JSON array", { _ in "[]" }),
            ("JSON null", { _ in "null" }),
            ("a JSON number", { _ in "42" }),
            ("a JSON string", { _ in #""trigger""# }),
            ("trailing garbage", { id in #"{"type":"cancel","requestId":"\#(id)"}x"# }),
            ("missing type", { id in #"{"requestId":"\#(id)","queue":"sim","changes":\#(validChange)}"# }),
            ("unknown type", { id in #"{"type":"rebuild","requestId":"\#(id)"}"# }),
            ("type not a string", { id in #"{"type":7,"requestId":"\#(id)"}"# }),
            ("missing requestId", { _ in #"{"type":"cancel"}"# }),
            ("requestId a number", { _ in #"{"type":"cancel","requestId":12}"# }),
            ("empty requestId", { _ in #"{"type":"cancel","requestId":""}"# }),
            ("requestId with a space", { _ in #"{"type":"cancel","requestId":"a b"}"# }),
            ("requestId with #", { _ in #"{"type":"cancel","requestId":"a#b"}"# }),
            ("requestId of 257 characters", { _ in #"{"type":"cancel","requestId":"\#(String(repeating: "r", count: 257))"}"# }),
            ("missing queue", { id in #"{"type":"trigger","requestId":"\#(id)","changes":\#(validChange)}"# }),
            ("empty queue", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"","changes":\#(validChange)}"# }),
            ("queue a number", { id in #"{"type":"trigger","requestId":"\#(id)","queue":3,"changes":\#(validChange)}"# }),
            ("queue of 300 characters", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"\#(String(repeating: "q", count: 300))","changes":\#(validChange)}"# }),
            ("missing changes", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"sim"}"# }),
            ("empty changes", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":[]}"# }),
            ("changes an object", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":{}}"# }),
            ("a change without uris", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":[{}]}"# }),
            ("a change with empty uris", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":[{"uris":[]}]}"# }),
            ("a uri not a string", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":[{"uris":[1]}]}"# }),
            ("an unknown action", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":[{"uris":["u"],"action":"deploy"}]}"# }),
            ("1001 changes", { id in
                let changes = Array(repeating: #"{"uris":["u"]}"#, count: 1001).joined(separator: ",")
                return #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":[\#(changes)]}"#
            }),
            ("metadata a list", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":\#(validChange),"metadata":[]}"# }),
            ("a metadata value not a string", { id in #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":\#(validChange),"metadata":{"a":1}}"# }),
            ("65 metadata entries", { id in
                let entries = (0..<65).map { #""k\#($0)":"v""# }.joined(separator: ",")
                return #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":\#(validChange),"metadata":{\#(entries)}}"#
            }),
            ("a duplicated key", { id in #"{"type":"cancel","requestId":"\#(id)","requestId":"\#(id)"}"# }),
            ("a cancel reason not a string", { id in #"{"type":"cancel","requestId":"\#(id)","reason":false}"# }),
            ("an unterminated string", { id in #"{"type":"cancel","requestId":"\#(id)"# }),
            ("a bad escape", { id in #"{"type":"cancel","requestId":"\#(id)","reason":"\q"}"# }),
            ("a lone surrogate escape", { id in #"{"type":"cancel","requestId":"\#(id)","reason":"\ud800"}"# }),
            ("a control character in a string", { id in "{\"type\":\"cancel\",\"requestId\":\"\(id)\",\"reason\":\"a\u{01}b\"}" }),
            ("single quotes", { id in "{'type':'cancel','requestId':'\(id)'}" }),
            ("a comment", { id in #"{"type":"cancel", /* why */ "requestId":"\#(id)"}"# }),
            ("NaN", { id in #"{"type":"cancel","requestId":"\#(id)","reason":NaN}"# }),
            ("a trailing comma", { id in #"{"type":"cancel","requestId":"\#(id)",}"# }),
            ("nested 10,000 deep", { _ in String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) }),
            ("a key that is not the requestId", { _ in #"{"type":"cancel","requestId":"someone-else"}"# }),
            ("over worker.maxCommandBytes", { id in
                #"{"type":"trigger","requestId":"\#(id)","queue":"sim","changes":\#(validChange),"metadata":{"big":"\#(String(repeating: "x", count: 600_000))"}}"#
            }),
        ]
        bodies += (0..<3).map { index in ("whitespace only \(index)", { _ in String(repeating: " ", count: index + 1) }) }
        var records = bodies.enumerated().map { index, body in
            let id = "bad-\(index)"
            return Record(key: Array(id.utf8), value: Array(body.1(id).utf8), what: body.0)
        }
        let base = records.count
        records.append(Record(key: Array("bad-\(base)".utf8), value: [0xFF, 0xFE, 0x7B, 0x7D], what: "not UTF-8"))
        records.append(Record(key: Array("bad-\(base + 1)".utf8), value: nil, what: "a null value"))
        records.append(Record(key: Array("bad-\(base + 2)".utf8), value: [], what: "an empty value"))
        records.append(Record(key: nil, value: Array(#"{"type":"cancel","requestId":"bad-keyless"}"#.utf8), what: "no key"))
        records.append(Record(key: Array("bad-\(base + 4)".utf8), value: Array(#"{"type":"cancel","requestId":"bad-\#(base + 4)","reason":"\#u{0}"}"#.utf8), what: "a NUL byte"))
        return records
    }
}
