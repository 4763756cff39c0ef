/// The JSON form of a ``BuildStateRecord`` in the state topic (`schemas/state-record.schema.json`).
///
/// `lastEvent` is the event's JSON text as a JSON string, so it survives the round trip byte for byte.
public enum BuildStateCodec {
    public static let version = 1

    public static func encode(_ record: BuildStateRecord) -> [UInt8] {
        var out = JSONWriter(capacity: 256 + (record.lastEvent?.count ?? 0) * 11 / 10)
        out.raw(#"{"version":1,"requestId":"#)
        out.string(record.requestID.rawValue)
        out.raw(#","queue":"#)
        out.string(record.queue)
        out.raw(#","buildId":"#)
        if let buildID = record.buildID { out.string(buildID.rawValue) } else { out.raw("null") }
        out.raw(#","status":""#)
        out.raw(record.status.rawValue)
        out.raw(#"","sequence":"#)
        out.raw(String(record.sequence))
        out.raw(#","cancelRequested":"#)
        out.raw(record.cancelRequested ? "true" : "false")
        out.raw(#","metadata":"#)
        out.object(record.metadata.entries)
        out.raw(#","traceparent":"#)
        out.string(record.traceparent)
        out.raw(#","triggeredAt":"#)
        out.raw(record.triggeredAt.map { String($0) } ?? "null")
        out.raw(#","settledAt":"#)
        out.raw(record.settledAt.map { String($0) } ?? "null")
        out.raw(#","recordedAt":"#)
        out.raw(String(record.recordedAt))
        out.raw(#","lastEvent":"#)
        if let event = record.lastEvent { out.string(String(decoding: event, as: UTF8.self)) } else { out.raw("null") }
        out.raw("}")
        return out.bytes
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
            metadata: metadata,
            traceparent: try string(members, "traceparent"),
            triggeredAt: try number(members, "triggeredAt"),
            settledAt: try number(members, "settledAt"),
            recordedAt: try number(members, "recordedAt") ?? 0,
            lastEvent: try optionalString(members, "lastEvent").map { Array($0.utf8) })
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
