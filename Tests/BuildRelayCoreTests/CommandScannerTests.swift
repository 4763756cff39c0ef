@testable import BuildRelayCore
import Testing

/// The scanner is the decoder's fast path: it must take the usual commands, and whatever it takes must decode
/// exactly as the full parser decodes it.
@Suite("The command scanner takes the usual shapes and agrees with the full parser")
struct CommandScannerTests {
    let decoder = CommandDecoder()

    static let usual: [String] = [
        String(decoding: CommandEncoder.encode(.trigger(TriggerCommand(
            requestID: RequestID(rawValue: "req-1")!, queue: "main",
            changes: [BuildChange(uris: ["github://acme/api/pull/42/9fceb02d"])], metadata: ["author": "kim"]))), as: UTF8.self),
        #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":["a","b"],"action":"apply"},{"action":"validate","uris":["c"]}],"metadata":{}}"#,
        " {\n  \"requestId\" : \"req-1\",\t\"type\": \"trigger\", \"metadata\": {\"a\": \"1\", \"b\": \"2\"},\r\n \"changes\": [ { \"uris\": [ \"x\" ] } ], \"queue\": \"q\" }\n",
        #"{"type":"cancel","requestId":"req-1","reason":"superseded"}"#,
        #"{"requestId":"req-1","type":"cancel"}"#,
        #"{"type":"cancel","requestId":"req-1","queue":"ignored for a cancel"}"#,
    ]

    @Test("usual commands are scanned, to what the full parser decodes", arguments: usual)
    func usualCommandsAreScanned(_ json: String) throws {
        let bytes = Array(json.utf8)
        let scanned = bytes.withUnsafeBytes(CommandScanner.scan)
        #expect(scanned != nil, "the scanner fell back on \(json)")
        #expect(scanned == (try decoder.decodeDocument(key: Array("req-1".utf8), value: bytes).get()))
    }

    @Test("commands of other shapes fall back to the full parser", arguments: [
        #"{"type":"trigger","requestId":"req-1","queue":"q\u0041","changes":[{"uris":["a"]}]}"#,  // an escape
        #"{"type":"trigger","requestId":"req-1","queue":"q","changes":[{"uris":["a"]}],"future":1}"#,  // an unknown member
        #"{"type":"cancel","requestId":"req-1","reason":null}"#,  // a null
        #"{"type":"trigger","requestId":"req-1","queue":"qé","changes":[{"uris":["a"]}]}"#,  // not ASCII
    ])
    func otherShapesFallBack(_ json: String) throws {
        let bytes = Array(json.utf8)
        #expect(bytes.withUnsafeBytes(CommandScanner.scan) == nil)
        #expect(throws: Never.self) { try decoder.decode(key: Array("req-1".utf8), value: bytes).get() }
    }

    /// Thousands of seeded single-byte mutations of the usual commands (deleted, replaced or inserted bytes, from a
    /// set that can break JSON or a rule of the contract): the decoder, scanner first, must give exactly what the
    /// full parser gives, acceptance and rejection reason alike.
    @Test("mutated commands decode exactly as the full parser decodes them")
    func mutationsAgreeWithTheFullParser() {
        let alphabet = Array(#"{}[]":,\ a0-n"#.utf8) + [0x01, 0x80]
        // Seeded, so a failing mutation can be reproduced.
        var draws: UInt64 = 0x5EED
        func next() -> UInt64 {
            draws &+= 1
            return TraceParent.splitMix(draws)
        }
        var scannedMutations = 0
        for json in Self.usual {
            let original = Array(json.utf8)
            for _ in 0..<1500 {
                var bytes = original
                let position = Int(next() % UInt64(bytes.count))
                let byte = alphabet[Int(next() % UInt64(alphabet.count))]
                switch next() % 3 {
                case 0: bytes.remove(at: position)
                case 1: bytes[position] = byte
                default: bytes.insert(byte, at: position)
                }
                let key = Array("req-1".utf8)
                if bytes.withUnsafeBytes(CommandScanner.scan) != nil { scannedMutations += 1 }
                let decoded = decoder.decode(key: key, value: bytes)
                let full = decoder.decodeDocument(key: key, value: bytes)
                #expect(decoded == full, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        // Some mutations keep a valid command (a changed letter in a value): the comparison covered the scanner.
        #expect(scannedMutations > 100)
    }
}
