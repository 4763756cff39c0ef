import Foundation

/// Decodes the usual shape of a command in one pass over its bytes, without building a JSON tree: ASCII only, no
/// escapes, no numbers, `null`s or unknown members, each member at most once. For anything else it returns `nil`
/// and ``CommandDecoder`` runs the full parser, so what is accepted, and the wording of every rejection, stay
/// those of ``JSONParser`` and the decoder's checks. It never rejects: `nil` only means "not the usual shape".
struct CommandScanner {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The command, if `bytes` is a valid command of the usual shape.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> BuildCommand? {
        var scanner = CommandScanner(bytes)
        return scanner.command()
    }

    private enum Member: UInt8 {
        case requestID = 1, type = 2, queue = 4, changes = 8, metadata = 16, reason = 32
    }

    private mutating func command() -> BuildCommand? {
        var seen: UInt8 = 0
        var requestID: String?, type: UnsafeRawBufferPointer?, queue: String?, reason: String?
        var changes: [BuildChange]?, metadata: [String: String]?
        guard skipWhitespace(), take("{") else { return nil }
        repeat {
            guard let name = memberName(), let member = Self.member(name), seen & member.rawValue == 0 else { return nil }
            seen |= member.rawValue
            switch member {
            case .requestID: requestID = string()
            case .type: type = stringBytes()
            case .queue: queue = string()
            case .reason: reason = string()
            case .changes: changes = self.changes()
            case .metadata: metadata = self.metadata()
            }
            // Each member's reader returns nil where it stopped short.
            switch member {
            case .requestID: guard requestID != nil else { return nil }
            case .type: guard type != nil else { return nil }
            case .queue: guard queue != nil else { return nil }
            case .reason: guard reason != nil else { return nil }
            case .changes: guard changes != nil else { return nil }
            case .metadata: guard metadata != nil else { return nil }
            }
        } while take(",")
        guard take("}"), skipWhitespace(), index == bytes.count else { return nil }
        guard let requestID, let id = RequestID(rawValue: requestID) else { return nil }
        guard let type else { return nil }
        if Self.equal(type, "trigger") {
            guard let queue, !queue.isEmpty, queue.utf8.count <= CommandDecoder.maximumQueueNameLength, let changes else { return nil }
            return .trigger(TriggerCommand(requestID: id, queue: queue, changes: changes, metadata: BuildMetadata(metadata ?? [:])))
        }
        return Self.equal(type, "cancel") ? .cancel(CancelCommand(requestID: id, reason: reason)) : nil
    }

    private static func member(_ name: UnsafeRawBufferPointer) -> Member? {
        switch name.count {
        case 4 where equal(name, "type"): .type
        case 5 where equal(name, "queue"): .queue
        case 6 where equal(name, "reason"): .reason
        case 7 where equal(name, "changes"): .changes
        case 8 where equal(name, "metadata"): .metadata
        case 9 where equal(name, "requestId"): .requestID
        default: nil
        }
    }

    private static func equal(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount && memcmp(bytes.baseAddress!, text.utf8Start, bytes.count) == 0
    }

    /// `[{"uris":[...],"action":"..."}, ...]` within the contract's limits.
    private mutating func changes() -> [BuildChange]? {
        guard take("[") else { return nil }
        var changes: [BuildChange] = []
        repeat {
            guard changes.count < CommandDecoder.maximumChanges, let change = change() else { return nil }
            changes.append(change)
        } while take(",")
        return take("]") ? changes : nil
    }

    private mutating func change() -> BuildChange? {
        guard take("{") else { return nil }
        var uris: [String]?, action: ChangeAction?
        repeat {
            guard let name = memberName() else { return nil }
            if Self.equal(name, "uris"), uris == nil {
                uris = self.uris()
                guard uris != nil else { return nil }
            } else if Self.equal(name, "action"), action == nil {
                guard let text = string(), let known = ChangeAction(rawValue: text) else { return nil }
                action = known
            } else {
                return nil
            }
        } while take(",")
        guard take("}"), let uris else { return nil }
        return BuildChange(uris: uris, action: action ?? .validate)
    }

    private mutating func uris() -> [String]? {
        guard take("[") else { return nil }
        var uris: [String] = []
        repeat {
            guard uris.count < CommandDecoder.maximumURIsPerChange, let uri = string(), !uri.isEmpty else { return nil }
            uris.append(uri)
        } while take(",")
        return take("]") ? uris : nil
    }

    private mutating func metadata() -> [String: String]? {
        guard take("{") else { return nil }
        var entries: [String: String] = [:]
        if take("}") { return entries }
        repeat {
            guard entries.count < CommandDecoder.maximumMetadataEntries, let name = memberName(), let value = string(),
                  entries.updateValue(value, forKey: String(decoding: name, as: UTF8.self)) == nil
            else { return nil }
        } while take(",")
        return take("}") ? entries : nil
    }

    /// A member name and the colon after it.
    private mutating func memberName() -> UnsafeRawBufferPointer? {
        guard let name = stringBytes(), take(":") else { return nil }
        return name
    }

    private mutating func string() -> String? {
        stringBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes between the quotes of a string of printable ASCII without escapes.
    private mutating func stringBytes() -> UnsafeRawBufferPointer? {
        guard take("\"") else { return nil }
        let start = index
        guard let base = bytes.baseAddress,
              let quote = memchr(base + start, Int32(UInt8(ascii: "\"")), bytes.count - start)
        else { return nil }
        let end = base.distance(to: UnsafeRawPointer(quote))
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        for byte in text where byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\\") { return nil }
        index = end + 1
        return text
    }

    /// Consumes `character` after optional whitespace, if it is next.
    private mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard skipWhitespace(), index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    /// Always true; reads as a condition in guards.
    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { break }
            index += 1
        }
        return true
    }
}
