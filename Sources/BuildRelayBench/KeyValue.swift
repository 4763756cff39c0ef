/// `KEY=VALUE` command-line options, such as librdkafka properties.
enum KeyValue {
    /// The pairs of `entries`; an entry without `=` is ignored, a repeated key keeps its last value.
    static func parse(_ entries: [String]) -> [String: String] {
        Dictionary(entries.compactMap { entry -> (String, String)? in
            guard let equals = entry.firstIndex(of: "=") else { return nil }
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }, uniquingKeysWith: { $1 })
    }
}
