import BuildRelayProviders
import Foundation

/// What a ``ProviderRegistration`` reads its queue's settings with: typed reads of its block's keys, each error
/// naming the key, the queue's request limits, and the credentials its `*Env` and `*File` keys point at.
public struct QueueBlockReader: Sendable {
    let values: ConfigurationValues
    let environment: [String: String]
    /// `queues.<name>.<block>`.
    let prefix: String
    /// `queues.<name>.maxRequestsPerMinute`, when set.
    public let requestsPerMinute: Int?
    /// `queues.<name>.requestTimeout`, or the vendor default.
    public let requestTimeout: Duration

    /// The full key of `key` in the block, for errors.
    public func fullKey(_ key: String) -> String { "\(prefix).\(key)" }

    public func text(_ key: String) -> String? { values.text(fullKey(key)) }

    public func list(_ key: String) throws -> [String]? { try values.list(fullKey(key)) }

    public func duration(_ key: String) throws -> Duration? { try values.duration(fullKey(key)) }

    public func size(_ key: String) throws -> Int? { try values.size(fullKey(key)) }

    public func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? { try values.double(fullKey(key), in: range) }

    /// A duration longer than zero.
    public func positive(_ key: String) throws -> Duration? { try values.positiveDuration(fullKey(key)) }

    /// Non-empty text; `what` says what is missing.
    public func required(_ key: String, _ what: String) throws -> String {
        guard let value = text(key), !value.isEmpty else { throw ConfigurationError(key: fullKey(key), "missing: \(what)") }
        return value
    }

    /// An http(s) URL with a host.
    public func url(_ key: String) throws -> String? {
        guard let value = text(key) else { return nil }
        guard let url = URL(string: value), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw ConfigurationError(key: fullKey(key), "expected an http(s) URL, got \"\(value)\"")
        }
        return value
    }

    /// A credential the provider cannot work without, read from where `<name>Env` or `<name>File` points.
    public struct Credential: Sendable {
        public var secret: Secret
        public var source: SecretSource
        /// The key and its variable or path, for error messages (never the value).
        public var setting: String
    }

    public func credential(_ name: String) throws -> Credential {
        let environmentKey = fullKey("\(name)Env")
        let fileKey = fullKey("\(name)File")
        if let variable = values.text(environmentKey) {
            guard !variable.isEmpty else { throw ConfigurationError(key: environmentKey, "names no environment variable") }
            guard let value = environment[variable], !value.isEmpty else {
                throw ConfigurationError(key: environmentKey, "environment variable \(variable) is not set")
            }
            return Credential(secret: Secret(value), source: .environment(variable), setting: "\(environmentKey) (\(variable))")
        }
        if let path = values.text(fileKey) {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(key: fileKey, "cannot read \(path)")
            }
            let value = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw ConfigurationError(key: fileKey, "\(path) is empty") }
            return Credential(secret: Secret(value), source: .file(path), setting: "\(fileKey) (\(path))")
        }
        throw ConfigurationError(key: environmentKey, "missing: name the environment variable holding the \(name) (or a file, with \(name)File)")
    }
}

extension SecretSource {
    /// `<name>Env: VARIABLE` or `<name>File: PATH`: where a credential comes from, as `config check` prints it.
    func printed(as name: String) -> [String: any Sendable] {
        switch self {
        case .environment(let variable): ["\(name)Env": variable]
        case .file(let path): ["\(name)File": path]
        }
    }
}
