import Foundation

/// Turns a `build.commands` record into a ``BuildCommand``, enforcing the contract: UTF-8 JSON of at most
/// ``maximumCommandBytes``, the schema (types, sizes, `requestId` syntax), a known `type`, and a record key equal to
/// the `requestId`. Unknown members are ignored (forward compatibility); a duplicated member is invalid.
public struct CommandDecoder: Sendable {
    /// `worker.maxCommandBytes`.
    public var maximumCommandBytes: Int

    public static let maximumChanges = 1000
    public static let maximumURIsPerChange = 100
    public static let maximumMetadataEntries = 64
    public static let maximumQueueNameLength = 256

    public init(maximumCommandBytes: Int = 512 * 1024) {
        self.maximumCommandBytes = maximumCommandBytes
    }

    /// Decodes `value`, the record's bytes, sent with `key`.
    public func decode(key: [UInt8]?, value: [UInt8]?) -> Result<BuildCommand, CommandRejection> {
        guard let value, !value.isEmpty else { return .failure(CommandRejection(reason: "empty record: a command is a JSON object")) }
        guard value.count <= maximumCommandBytes else {
            return .failure(CommandRejection(reason: "command is \(value.count) bytes, more than worker.maxCommandBytes (\(maximumCommandBytes))"))
        }
        if let command = value.withUnsafeBytes(CommandScanner.scan), let key, Self.key(key, is: command.requestID) {
            return .success(command)
        }
        return decodeDocument(key: key, value: value)
    }

    /// The full path: parses the whole JSON tree, then checks it member by member with precise rejections.
    func decodeDocument(key: [UInt8]?, value: [UInt8]) -> Result<BuildCommand, CommandRejection> {
        let document: JSONValue
        do {
            document = try JSONParser.parse(value)
        } catch {
            return .failure(CommandRejection(reason: "not valid JSON: \(error)"))
        }
        guard case .object(let members) = document else {
            return .failure(CommandRejection(reason: "a command must be a JSON object, not \(document.typeName)"))
        }
        // The request id first, so every later rejection can name it.
        let requestID: RequestID
        switch members["requestId"] {
        case .string(let text)?:
            guard let valid = RequestID(rawValue: text) else {
                return .failure(CommandRejection(reason: "requestId must be 1-256 characters of [A-Za-z0-9._:/-]"))
            }
            requestID = valid
        case nil:
            return .failure(CommandRejection(reason: "missing requestId"))
        case let other?:
            return .failure(CommandRejection(reason: "requestId must be a string, not \(other.typeName)"))
        }
        // A record keyed otherwise may sit on another partition than the request's: its id is not ours to fail.
        guard let key else {
            return .failure(CommandRejection(reason: "the record has no key; commands are keyed by their requestId"))
        }
        guard Self.key(key, is: requestID) else {
            return .failure(CommandRejection(reason: "the record key \"\(String(decoding: key.prefix(300), as: UTF8.self))\" is not the command's requestId"))
        }
        do {
            return .success(try decodeCommand(members, requestID: requestID))
        } catch var rejection as CommandRejection {
            rejection.requestID = requestID
            return .failure(rejection)
        } catch {
            return .failure(CommandRejection(reason: "\(error)", requestID: requestID))
        }
    }

    private static func key(_ key: [UInt8], is requestID: RequestID) -> Bool {
        var id = requestID.rawValue
        return id.withUTF8 { id in key.withUnsafeBytes { key in key.count == id.count && memcmp(key.baseAddress!, id.baseAddress!, id.count) == 0 } }
    }

    private func decodeCommand(_ members: [String: JSONValue], requestID: RequestID) throws -> BuildCommand {
        let type = try string(members, "type")
        switch type {
        case "trigger":
            let queue = try string(members, "queue")
            guard !queue.isEmpty, queue.utf8.count <= Self.maximumQueueNameLength else {
                throw CommandRejection(reason: "queue must be 1-\(Self.maximumQueueNameLength) characters")
            }
            return .trigger(TriggerCommand(
                requestID: requestID, queue: queue, changes: try changes(members["changes"]),
                metadata: try metadata(members["metadata"])))
        case "cancel":
            let reason = try optionalString(members, "reason")
            return .cancel(CancelCommand(requestID: requestID, reason: reason))
        case "refresh":
            let queue = try optionalString(members, "queue")
            let buildID = try optionalString(members, "buildId")
            var observed: BuildStatus?
            if let text = try optionalString(members, "observedStatus") {
                guard let status = BuildStatus(rawValue: text), status != .unknown else {
                    throw CommandRejection(reason: "observedStatus must be accepted, running, succeeded, failed or cancelled, not \"\(text.prefix(100))\"")
                }
                observed = status
            }
            return .refresh(RefreshCommand(requestID: requestID, queue: queue, buildID: buildID.map { BuildID($0) }, observedStatus: observed))
        default:
            throw CommandRejection(reason: "unknown command type \"\(type.prefix(100))\" (expected trigger, cancel or refresh)")
        }
    }

    private func optionalString(_ members: [String: JSONValue], _ name: String) throws -> String? {
        switch members[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw CommandRejection(reason: "\(name) must be a string, not \(other.typeName)")
        }
    }

    private func string(_ members: [String: JSONValue], _ name: String) throws -> String {
        switch members[name] {
        case .string(let text)?: return text
        case nil: throw CommandRejection(reason: "missing \(name)")
        case let other?: throw CommandRejection(reason: "\(name) must be a string, not \(other.typeName)")
        }
    }

    private func changes(_ value: JSONValue?) throws -> [BuildChange] {
        guard let value else { throw CommandRejection(reason: "missing changes") }
        guard case .array(let elements) = value else { throw CommandRejection(reason: "changes must be an array, not \(value.typeName)") }
        guard (1...Self.maximumChanges).contains(elements.count) else {
            throw CommandRejection(reason: "changes must have 1-\(Self.maximumChanges) entries, not \(elements.count)")
        }
        return try elements.enumerated().map { position, element in
            guard case .object(let change) = element else {
                throw CommandRejection(reason: "changes[\(position)] must be an object, not \(element.typeName)")
            }
            guard case .array(let uriValues)? = change["uris"] else {
                throw CommandRejection(reason: "changes[\(position)].uris must be an array of strings")
            }
            guard (1...Self.maximumURIsPerChange).contains(uriValues.count) else {
                throw CommandRejection(reason: "changes[\(position)].uris must have 1-\(Self.maximumURIsPerChange) entries, not \(uriValues.count)")
            }
            let uris = try uriValues.enumerated().map { index, uri in
                guard case .string(let text) = uri, !text.isEmpty else {
                    throw CommandRejection(reason: "changes[\(position)].uris[\(index)] must be a non-empty string")
                }
                return text
            }
            let action: ChangeAction
            switch change["action"] {
            case nil: action = .validate
            case .string(let text)?:
                guard let known = ChangeAction(rawValue: text) else {
                    throw CommandRejection(reason: "changes[\(position)].action must be apply or validate, not \"\(text.prefix(100))\"")
                }
                action = known
            case let other?:
                throw CommandRejection(reason: "changes[\(position)].action must be a string, not \(other.typeName)")
            }
            return BuildChange(uris: uris, action: action)
        }
    }

    private func metadata(_ value: JSONValue?) throws -> BuildMetadata {
        guard let value else { return [:] }
        guard case .object(let members) = value else { throw CommandRejection(reason: "metadata must be an object, not \(value.typeName)") }
        guard members.count <= Self.maximumMetadataEntries else {
            throw CommandRejection(reason: "metadata has \(members.count) entries, more than \(Self.maximumMetadataEntries)")
        }
        var entries: [String: String] = [:]
        for (name, entry) in members {
            guard case .string(let text) = entry else {
                throw CommandRejection(reason: "metadata.\(name.prefix(100)) must be a string, not \(entry.typeName)")
            }
            entries[name] = text
        }
        return BuildMetadata(entries)
    }
}
