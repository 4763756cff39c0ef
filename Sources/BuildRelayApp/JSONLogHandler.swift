import BuildRelayCore
import Logging

/// Writes one JSON object per line to standard error (`logging.format: json`) through ``LogOutput``: `time` (RFC
/// 3339, UTC, milliseconds), `level`, `logger`, `message`, `error`, then every metadata key at the top level
/// (`requestId`, `queue`, …, sorted), for log pipelines to index.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { $1 } }
        if let own = event.metadata, !own.isEmpty { merged.merge(own) { $1 } }
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
        LogOutput.standardError.write(out.bytes, urgent: event.level >= .error)
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
