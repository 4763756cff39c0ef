/// Writes commands as the JSON that ``CommandDecoder`` reads (`schemas/trigger.schema.json`,
/// `schemas/cancel.schema.json`, `schemas/refresh.schema.json`), for producers such as `buildrelay send` and the
/// webhook receiver.
public enum CommandEncoder {
    public static func encode(_ command: BuildCommand) -> [UInt8] {
        var out = JSONWriter(capacity: 256)
        switch command {
        case .trigger(let trigger):
            out.raw(#"{"type":"trigger","requestId":"#)
            out.string(trigger.requestID.rawValue)
            out.raw(#","queue":"#)
            out.string(trigger.queue)
            out.raw(#","changes":["#)
            for (position, change) in trigger.changes.enumerated() {
                if position > 0 { out.raw(",") }
                out.raw(#"{"uris":["#)
                for (index, uri) in change.uris.enumerated() {
                    if index > 0 { out.raw(",") }
                    out.string(uri)
                }
                out.raw(#"],"action":""#)
                out.raw(change.action.rawValue)
                out.raw(#""}"#)
            }
            out.raw(#"],"metadata":"#)
            out.object(trigger.metadata.entries)
            out.raw("}")
        case .cancel(let cancel):
            out.raw(#"{"type":"cancel","requestId":"#)
            out.string(cancel.requestID.rawValue)
            if let reason = cancel.reason {
                out.raw(#","reason":"#)
                out.string(reason)
            }
            out.raw("}")
        case .refresh(let refresh):
            out.raw(#"{"type":"refresh","requestId":"#)
            out.string(refresh.requestID.rawValue)
            for (name, value) in [("queue", refresh.queue), ("buildId", refresh.buildID?.rawValue), ("observedStatus", refresh.observedStatus?.rawValue)] {
                guard let value else { continue }
                out.raw(#",""#)
                out.raw(name)
                out.raw(#"":"#)
                out.string(value)
            }
            out.raw("}")
        }
        return out.bytes
    }
}
