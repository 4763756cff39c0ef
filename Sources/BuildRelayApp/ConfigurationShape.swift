/// What a configuration key holds: one value, a list of values, or a map of further keys. A value of the wrong
/// shape is an error naming the key and the shape it needs, never silently replaced by the default.
enum ConfigurationShape: Equatable {
    case single
    case list
    /// `keys`: the map's known keys, for the error message; empty for maps with free keys (`kafka.properties`).
    case map(keys: [String])

    /// How the file, a flag or an environment variable wrote a key's value.
    enum Written: Equatable {
        /// A scalar in the file.
        case single(String)
        case list([String])
        /// YAML's `null` (`key:` with nothing after it): nothing set.
        case null
        /// A `--set` flag or an environment variable: text, which a list key reads as a JSON array or one word.
        case text
    }

    /// The error message for a value written as `written` where `self` is needed, or `nil` when it fits.
    func mismatch(_ written: Written) -> String? {
        switch (self, written) {
        case (_, .null), (.single, .single), (.list, .list), (.single, .text), (.list, .text): return nil
        case (.single, .list(let values)):
            // Several servers are one comma-separated value in Kafka's own clients too.
            return "expected a single value, got a list" + (values.count > 1 ? " (several values go in one, comma-separated: \"\(values.joined(separator: ","))\")" : "")
        case (.list, .single(let text)):
            let words = text.split(whereSeparator: \.isWhitespace).map { "\"\($0)\"" }.joined(separator: ", ")
            return "expected a list, got a single value: write it as [\(words)]"
        case (.map(let keys), _):
            let got = if case .list = written { "a list" } else { "a single value" }
            return keys.isEmpty ? "expected a map, got \(got)" : "expected a map (of \(keys.joined(separator: ", "))), got \(got)"
        }
    }
}
