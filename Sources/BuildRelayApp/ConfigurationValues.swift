import Configuration
import Foundation

/// Typed reads of configuration keys, each failing with a ``ConfigurationError`` that names the key.
struct ConfigurationValues: Sendable {
    let reader: ConfigReader

    /// The value as text, whatever scalar type its source gave it.
    func text(_ key: String) -> String? {
        let configKey = ConfigKey(key)
        if let value = reader.string(forKey: configKey) { return value }
        if let value = reader.int(forKey: configKey) { return String(value) }
        if let value = reader.double(forKey: configKey) { return String(value) }
        if let value = reader.bool(forKey: configKey) { return String(value) }
        return nil
    }

    /// A list from the file, or from a flag or variable written as a JSON array (`["./ci.sh","--flag"]`) or as one
    /// word. One value with spaces in it is an error suggesting the list form: it is not split.
    func list(_ key: String) throws -> [String]? {
        if let values = reader.stringArray(forKey: ConfigKey(key)) { return values }
        guard let text = text(key) else { return nil }
        if text.hasPrefix("[") {
            guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] else {
                throw ConfigurationError(key: key, "expected a JSON array of strings such as [\"./ci.sh\", \"--flag\"], got \(text)")
            }
            return array
        }
        guard !text.contains(where: \.isWhitespace) else {
            let words = text.split(whereSeparator: \.isWhitespace).map { "\"\($0)\"" }.joined(separator: ", ")
            throw ConfigurationError(key: key, "expected a list, got \"\(text)\": write it as [\(words)]")
        }
        return [text]
    }

    func int(_ key: String, minimum: Int = 0) throws -> Int? {
        guard let text = text(key) else { return nil }
        guard let value = Int(text), value >= minimum else { throw ConfigurationError(key: key, "expected an integer of at least \(minimum), got \"\(text)\"") }
        return value
    }

    func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = text(key) else { return nil }
        guard let value = Double(text), range.contains(value) else { throw ConfigurationError(key: key, "expected a number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"") }
        return value
    }

    func duration(_ key: String) throws -> Duration? {
        guard let text = text(key) else { return nil }
        guard let value = ConfigurationValueParser.duration(text) else {
            throw ConfigurationError(key: key, "expected a duration such as 250ms, 5s, 30m, 6h or 7d, got \"\(text)\"")
        }
        return value
    }

    /// A duration longer than zero.
    func positiveDuration(_ key: String) throws -> Duration? {
        guard let value = try duration(key) else { return nil }
        guard value > .zero else { throw ConfigurationError(key: key, "must be longer than 0") }
        return value
    }

    func size(_ key: String) throws -> Int? {
        guard let text = text(key) else { return nil }
        guard let value = ConfigurationValueParser.size(text) else {
            throw ConfigurationError(key: key, "expected a size such as 512KiB, 1MiB or a number of bytes, got \"\(text)\"")
        }
        return value
    }

    func oneOf(_ key: String, _ allowed: [String]) throws -> String? {
        guard let text = text(key) else { return nil }
        guard allowed.contains(text) else { throw ConfigurationError(key: key, "expected one of \(allowed.joined(separator: ", ")), got \"\(text)\"") }
        return text
    }
}
