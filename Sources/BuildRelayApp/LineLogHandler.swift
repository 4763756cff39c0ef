import BuildRelayCore
import Logging

/// Writes one line per log event to standard error through ``LogOutput`` (`logging.format`), assembled as bytes:
/// a worker logs every trigger and cancel at `info`.
///
/// - ``Format/json``: one JSON object per line: `time` (RFC 3339, UTC, milliseconds), `level`, `logger`,
///   `message`, `error`, then every metadata key at the top level (`requestId`, `queue`, …, sorted), for log
///   pipelines to index.
/// - ``Format/text``: swift-log's `StreamLogHandler` layout, `<time> <level> <logger>: <key=value …> [<source>]
///   <message>`, the time in UTC.
public struct LineLogHandler: LogHandler {
    public enum Format: Sendable {
        case json
        case text
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format

    public init(label: String, format: Format, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.format = format
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Merged only when more than one source has entries: a merge copies and rehashes the dictionary.
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            if merged.isEmpty { merged = provided } else { merged.merge(provided) { $1 } }
        }
        if let own = event.metadata, !own.isEmpty {
            if merged.isEmpty { merged = own } else { merged.merge(own) { $1 } }
        }
        let line = switch format {
        case .json: jsonLine(event, merged)
        case .text: textLine(event, merged)
        }
        LogOutput.standardError.write(line, urgent: event.level >= .error)
    }

    private func jsonLine(_ event: LogEvent, _ merged: Logger.Metadata) -> [UInt8] {
        var out = JSONWriter(capacity: 256)
        out.raw(#"{"time":""#)
        out.timestamp(milliseconds: LogTimestamp.milliseconds())
        out.raw(#"","level":""#)
        out.raw(event.level.rawValue)
        out.raw(#"","logger":"#)
        out.string(label)
        out.raw(#","message":"#)
        out.string(event.message.description)
        if let error = event.error {
            out.raw(#","error":"#)
            out.string("\(error)")
        }
        for key in merged.keys.sorted() where !Self.reserved.contains(key) {
            out.raw(",")
            out.string(key)
            out.raw(":")
            Self.write(merged[key]!, to: &out)
        }
        out.raw("}\n")
        return out.bytes
    }

    private func textLine(_ event: LogEvent, _ merged: Logger.Metadata) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(160)
        LogTimestamp.appendText(to: &line)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: label.utf8)
        line.append(UInt8(ascii: ":"))
        for key in merged.keys.sorted() {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            line.append(contentsOf: merged[key]!.description.utf8)
        }
        line.append(contentsOf: " [".utf8)
        line.append(contentsOf: event.source.utf8)
        line.append(contentsOf: "] ".utf8)
        line.append(contentsOf: event.message.description.utf8)
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// The members every line has; metadata of the same name is left out.
    private static let reserved: Set<String> = ["time", "level", "logger", "message", "error"]

    private static func write(_ value: Logger.Metadata.Value, to out: inout JSONWriter) {
        switch value {
        case .string(let text): out.string(text)
        case .stringConvertible(let convertible): out.string(convertible.description)
        case .array(let values):
            out.raw("[")
            for (index, value) in values.enumerated() {
                if index > 0 { out.raw(",") }
                write(value, to: &out)
            }
            out.raw("]")
        case .dictionary(let entries):
            out.raw("{")
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { out.raw(",") }
                out.string(key)
                out.raw(":")
                write(entries[key]!, to: &out)
            }
            out.raw("}")
        }
    }
}
