/// The JSON form of a ``BuildStateRecord`` in the state topic (`schemas/state-record.schema.json`).
///
/// `lastEvent` is the event itself, embedded as it was published (the record's last member): decoding takes its
/// exact bytes, so a republished event is byte-identical.
public enum BuildStateCodec {
    public static let version = 1

    public static func encode(_ record: BuildStateRecord) -> [UInt8] {
        var out = JSONWriter(capacity: estimatedSize(of: record))
        out.raw(#"{"version":1,"requestId":"#)
        out.string(record.requestID.rawValue)
        out.raw(#","queue":"#)
        out.string(record.queue)
        out.raw(#","buildId":"#)
        if let buildID = record.buildID { out.string(buildID.rawValue) } else { out.raw("null") }
        out.raw(#","status":""#)
        out.raw(record.status.rawValue)
        out.raw(#"","sequence":"#)
        out.integer(Int64(record.sequence))
        out.raw(#","cancelRequested":"#)
        out.raw(record.cancelRequested ? "true" : "false")
        if record.triggerAttempted { out.raw(#","triggerAttempted":true"#) }
        if let digest = record.triggerDigest {
            out.raw(#","triggerDigest":"#)
            out.string(digest)
        }
        out.raw(#","metadata":"#)
        out.object(record.metadata.entries)
        out.raw(#","traceparent":"#)
        out.string(record.traceparent)
        out.raw(#","triggeredAt":"#)
        if let triggeredAt = record.triggeredAt { out.integer(triggeredAt) } else { out.raw("null") }
        out.raw(#","settledAt":"#)
        if let settledAt = record.settledAt { out.integer(settledAt) } else { out.raw("null") }
        if let since = record.statusSince {
            out.raw(#","statusSince":"#)
            out.integer(since)
        }
        out.raw(#","recordedAt":"#)
        out.integer(record.recordedAt)
        out.raw(#","lastEvent":"#)
        if let event = record.lastEvent { out.append(event) } else { out.raw("null") }
        out.raw("}")
        return out.bytes
    }

    /// About the bytes ``encode(_:)`` writes (exact give or take the numbers' digits, unless something needs
    /// escaping). Reserving much more is not free: a typical record then needs a buffer above 1 KB, which glibc
    /// serves from its locked, consolidating large-request path instead of the thread's cache.
    static func estimatedSize(of record: BuildStateRecord) -> Int {
        let members = 192 + (record.statusSince != nil ? 30 : 0) + (record.triggerDigest != nil ? 36 : 0)  // the member names and punctuation
        let values = 80  // quotes, numbers, status and flags
        return members + values + record.requestID.rawValue.utf8.count + record.queue.utf8.count
            + (record.buildID?.rawValue.utf8.count ?? 4) + record.traceparent.utf8.count + (record.lastEvent?.count ?? 4)
            + JSONWriter.estimatedSize(of: record.metadata.entries)
    }

    /// Reads a record written by ``encode(_:)``; throws ``Failure`` naming what is wrong.
    public static func decode(_ bytes: [UInt8]) throws -> BuildStateRecord {
        guard case .object(let members) = try JSONParser.parse(bytes) else { throw Failure(message: "not a JSON object") }
        guard case .number(let version)? = members["version"], Int(version) == Self.version else {
            throw Failure(message: "unsupported version \(String(describing: members["version"]))")
        }
        guard let requestID = RequestID(rawValue: try string(members, "requestId")) else { throw Failure(message: "invalid requestId") }
        guard let status = BuildStatus(rawValue: try string(members, "status")) else { throw Failure(message: "invalid status") }
        var metadata = BuildMetadata()
        if case .object(let entries)? = members["metadata"] {
            for (key, value) in entries {
                guard case .string(let text) = value else { throw Failure(message: "metadata values must be strings") }
                metadata[key] = text
            }
        }
        return BuildStateRecord(
            requestID: requestID,
            queue: try string(members, "queue"),
            buildID: try optionalString(members, "buildId").map(BuildID.init(rawValue:)),
            status: status,
            sequence: Int(try number(members, "sequence") ?? 0),
            cancelRequested: members["cancelRequested"] == .bool(true),
            triggerAttempted: members["triggerAttempted"] == .bool(true),
            triggerDigest: try optionalString(members, "triggerDigest"),
            metadata: metadata,
            traceparent: try string(members, "traceparent"),
            triggeredAt: try number(members, "triggeredAt"),
            settledAt: try number(members, "settledAt"),
            statusSince: try number(members, "statusSince"),
            recordedAt: try number(members, "recordedAt") ?? 0,
            lastEvent: try lastEvent(bytes, members["lastEvent"]))
    }

    private static func lastEvent(_ bytes: [UInt8], _ value: JSONValue?) throws -> [UInt8]? {
        switch value {
        case .null?, nil: return nil
        case .object?:
            guard let span = topLevelValueSpan(bytes, member: "lastEvent") else { throw Failure(message: "lastEvent not found") }
            return Array(bytes[span])
        case let other?: throw Failure(message: "lastEvent must be an object, not \(other.typeName)")
        }
    }

    /// Where the value of the top-level member `name` lies in `bytes`, a valid JSON object.
    static func topLevelValueSpan(_ bytes: [UInt8], member name: String) -> Range<Int>? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        /// The index after the string that starts at `start`.
        func endOfString(_ start: Int) -> Int {
            var index = start + 1
            while index < bytes.count, bytes[index] != quote { index += bytes[index] == backslash ? 2 : 1 }
            return index + 1
        }
        func skipWhitespace(_ start: Int) -> Int {
            var index = start
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
            return index
        }
        /// The index after the value that starts at `start`.
        func endOfValue(_ start: Int) -> Int {
            var index = start, depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case quote:
                    index = endOfString(index)
                    if depth == 0 { return index }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return index }
                    depth -= 1
                    if depth == 0 { return index + 1 }
                case UInt8(ascii: ","):
                    if depth == 0 { return index }
                default:
                    break
                }
                index += 1
            }
            return index
        }
        let key = Array(name.utf8)
        var index = skipWhitespace(0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        while true {
            index = skipWhitespace(index)
            guard index < bytes.count, bytes[index] == quote else { return nil }
            let keyEnd = endOfString(index)
            let isMember = bytes[(index + 1)..<(keyEnd - 1)].elementsEqual(key)
            index = skipWhitespace(keyEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            let valueStart = skipWhitespace(index + 1)
            let valueEnd = endOfValue(valueStart)
            if isMember { return valueStart..<valueEnd }
            index = skipWhitespace(valueEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "invalid state record: \(message)" }
    }

    private static func string(_ members: [String: JSONValue], _ name: String) throws -> String {
        guard let text = try optionalString(members, name) else { throw Failure(message: "missing \(name)") }
        return text
    }

    private static func optionalString(_ members: [String: JSONValue], _ name: String) throws -> String? {
        switch members[name] {
        case .string(let text)?: return text
        case .null?, nil: return nil
        case let other?: throw Failure(message: "\(name) must be a string, not \(other.typeName)")
        }
    }

    private static func number(_ members: [String: JSONValue], _ name: String) throws -> Int64? {
        switch members[name] {
        case .number(let value)?:
            guard let integer = Int64(exactly: value) else { throw Failure(message: "\(name) must be an integer") }
            return integer
        case .null?, nil: return nil
        case let other?: throw Failure(message: "\(name) must be a number, not \(other.typeName)")
        }
    }
}
