import BuildRelayCore
import BuildRelayProviders
import BuildRelayWorker
import Configuration
import Foundation
import Yams

/// Reads a ``BuildRelayConfiguration`` with the contract's precedence: `--set` flags, then `BUILDRELAY_*`
/// environment variables (named as swift-configuration's environment provider names keys), then the file
/// (YAML, or JSON for `.json`), then defaults.
///
/// Maps whose keys are not fixed (`queues`, `kafka.properties`, `kafka.secretProperties`) take their entries
/// from the file and the flags; the environment can override an entry's value but cannot add one (its variable
/// names cannot tell `a.b` from `a_b`). Every key must be known: a misspelt one is an error, not ignored.
public struct ConfigurationLoader: Sendable {
    public var filePath: String?
    /// `--set KEY=VALUE` pairs.
    public var overrides: [String: String]
    public var environment: [String: String]

    public init(filePath: String? = nil, overrides: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.filePath = filePath
        self.overrides = overrides
        self.environment = environment
    }

    /// Throws ``ConfigurationError`` naming the first key at fault.
    public func load() async throws -> BuildRelayConfiguration {
        let written = try discoverKeys()
        for (key, shape) in written { try ConfigurationSchema.check(key, written: shape) }
        let keys = written.map(\.key)
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "--set", values: Dictionary(uniqueKeysWithValues: overrides.map {
                (AbsoluteConfigKey(ConfigKey($0.key)), ConfigValue(.string($0.value), isSecret: false))
            })),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ConfigKey(["buildrelay"])),
        ]
        if let filePath {
            // The file provider takes its path from a reader (which spares a dependency on swift-system's FilePath).
            let location = ConfigReader(provider: InMemoryProvider(values: ["filePath": ConfigValue(.string(filePath), isSecret: false)]))
            do {
                if filePath.hasSuffix(".json") {
                    providers.append(try await FileProvider<JSONSnapshot>(config: location))
                } else {
                    providers.append(try await FileProvider<YAMLSnapshot>(config: location))
                }
            } catch {
                throw ConfigurationError(key: "", "cannot read \(filePath): \(error)")
            }
        }
        let values = ConfigurationValues(reader: ConfigReader(providers: providers))
        return try ConfigurationBuilder(values: values, keys: keys, environment: environment).build()
    }

    /// Every key the file and the flags set, as schema paths (map entries such as `session.timeout.ms` stay one
    /// component), with the shape its value was written in.
    private func discoverKeys() throws -> [(key: [String], shape: ConfigurationShape.Written)] {
        var keys: [(key: [String], shape: ConfigurationShape.Written)] = []
        if let filePath {
            let text: String
            do { text = try String(contentsOfFile: filePath, encoding: .utf8) } catch {
                throw ConfigurationError(key: "", "cannot read \(filePath): \(error.localizedDescription)")
            }
            let root: Node?
            do { root = try Yams.compose(yaml: text) } catch {
                throw ConfigurationError(key: "", "\(filePath) is not valid YAML or JSON: \(error)")
            }
            if let root {
                guard let mapping = root.mapping else { throw ConfigurationError(key: "", "\(filePath) must hold a mapping of settings") }
                try Self.collectKeys(mapping, prefix: [], into: &keys)
            }
        }
        for key in overrides.keys {
            keys.append((ConfigurationSchema.normalize(key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)), .text))
        }
        return keys
    }

    private static func collectKeys(
        _ mapping: Node.Mapping, prefix: [String], into keys: inout [(key: [String], shape: ConfigurationShape.Written)]
    ) throws {
        for (key, value) in mapping {
            let path = prefix + [key.string ?? "\(key)"]
            if let nested = value.mapping {
                // A librdkafka property may be written nested (`security: {protocol: SSL}`); any other key that
                // holds a value cannot hold a map.
                let isProperty = path.count >= 3 && path[0] == "kafka" && (path[1] == "properties" || path[1] == "secretProperties")
                if !isProperty, let shape = try? ConfigurationSchema.shape(of: path) {
                    switch shape {
                    case .single: throw ConfigurationError(key: path.joined(separator: "."), "expected a single value, got a map")
                    case .list: throw ConfigurationError(key: path.joined(separator: "."), "expected a list, got a map")
                    case .map: break
                    }
                }
                // An empty mapping (`properties: {}`) sets nothing.
                try collectKeys(nested, prefix: path, into: &keys)
            } else if let sequence = value.sequence {
                let path = ConfigurationSchema.normalize(path)
                let items = sequence.compactMap { $0.scalar?.string }
                guard items.count == sequence.count else {
                    throw ConfigurationError(key: path.joined(separator: "."), "a list of single values is the only list a key can hold")
                }
                keys.append((path, .list(items)))
            } else {
                keys.append((ConfigurationSchema.normalize(path), value.null != nil ? .null : .single(value.scalar?.string ?? "")))
            }
        }
    }
}
