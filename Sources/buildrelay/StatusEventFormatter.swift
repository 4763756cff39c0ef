import BuildRelayCore
import BuildRelayKafka

/// Turns `build.status` and dead-letter records into one readable line each (or passes the JSON through).
struct StatusEventFormatter {
    var json = false

    func format(_ message: KafkaMessage) -> String {
        let value = message.value ?? []
        if json { return String(decoding: value, as: UTF8.self) }
        if let reason = message.headers.firstValue(named: "buildrelay-error") {
            let key = message.key.map { String(decoding: $0.prefix(80), as: UTF8.self) } ?? "-"
            return "dead-letter  key \(key)  (\(message.headers.firstValue(named: "buildrelay-source-topic") ?? "?")[\(message.headers.firstValue(named: "buildrelay-source-partition") ?? "?")] offset \(message.headers.firstValue(named: "buildrelay-source-offset") ?? "?")): \(reason)"
        }
        guard case .object(let event)? = try? JSONParser.parse(value), case .object(let data)? = event["data"] else {
            return "unreadable event at \(message.topic)[\(message.partition)] offset \(message.offset)"
        }
        func text(_ name: String, in object: [String: JSONValue]) -> String {
            switch object[name] {
            case .string(let value)?: value
            case .number(let value)?: String(Int(value))
            default: "-"
            }
        }
        let time = text("time", in: event)
        let clock = time.count >= 23 ? String(time.dropFirst(11).prefix(12)) : time
        var line = "\(clock)  \(pad(text("requestId", in: data), 18)) \(pad(text("queue", in: data), 8)) \(pad(text("status", in: data), 10)) #\(text("sequence", in: data))"
        if text("buildId", in: data) != "-" { line += "  build \(text("buildId", in: data))" }
        if case .object(let error)? = data["error"] {
            line += "  error (\(text("kind", in: error))): \(text("message", in: error))"
        }
        if case .object(let metadata)? = data["metadata"], !metadata.isEmpty {
            let entries = metadata.keys.sorted().map { "\($0)=\(text($0, in: metadata))" }
            line += "  [\(entries.joined(separator: " "))]"
        }
        return line
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
