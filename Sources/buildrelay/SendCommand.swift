import ArgumentParser
import BuildRelayApp
import BuildRelayCore
import BuildRelayKafka
import Foundation

/// `buildrelay send trigger|cancel|refresh`: produce one command, keyed by its request id with the Java-compatible
/// partitioner, and wait for the broker's acknowledgement.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Produce a command to the commands topic.",
        subcommands: [SendTriggerCommand.self, SendCancelCommand.self, SendRefreshCommand.self]
    )
}

/// Where to send, shared by `send` and `events`: the configuration, with `--bootstrap-servers` as a shortcut.
struct KafkaTargetOptions: ParsableArguments {
    @OptionGroup var configuration: ConfigurationOptions

    @Option(help: ArgumentHelp("Kafka bootstrap servers (overrides kafka.bootstrapServers).", valueName: "host:port,..."))
    var bootstrapServers: String?

    func load() async throws -> BuildRelayConfiguration {
        try await configuration.load(extra: bootstrapServers.map { ["kafka.bootstrapServers": $0] } ?? [:])
    }

    func client(_ configuration: BuildRelayConfiguration) -> KafkaClientConfiguration {
        var client = KafkaClientConfiguration(
            bootstrapServers: configuration.bootstrapServers, properties: configuration.kafkaProperties,
            secretProperties: configuration.kafkaSecretValues)
        // A command-line tool gives up after 10 s instead of librdkafka's 5 minutes (a record's delivery timeout).
        client.properties["message.timeout.ms"] = client.properties["message.timeout.ms"] ?? "10000"
        return client
    }

    /// The partition count of `topic`, failing within 10 s with an error that names the bootstrap address when no
    /// broker answers, and with a usage error (exit 2) when the topic does not exist. Never creates the topic.
    static func partitionCount(of topic: String, bootstrapServers: String, _ ask: (Set<String>) async throws -> [String: Int]) async throws -> Int {
        let counts: [String: Int]
        do {
            counts = try await ask([topic])
        } catch let error as KafkaError where error.isNoBrokerAnswer {
            throw KafkaUnreachableError(bootstrapServers: bootstrapServers, error: error)
        }
        guard let count = counts[topic] else { throw UsageError(message: "topic \(topic) does not exist") }
        return count
    }
}

struct SendTriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Trigger a build of changes on a queue.",
        discussion: "Example: buildrelay send trigger --request-id req-1 --queue sim --change github://acme/api/pull/1/9fceb02 --bootstrap-servers 127.0.0.1:9092"
    )

    @OptionGroup var target: KafkaTargetOptions

    @Option(help: "The request id (1-256 characters of [A-Za-z0-9._:/-]); a new one when omitted.")
    var requestId: String?

    @Option(help: "A queue name from the workers' configuration.")
    var queue: String

    @Option(name: .customLong("change"), help: ArgumentHelp("A change, in order (repeatable); several URIs of one change separated by commas.", valueName: "uri[,uri...]"))
    var changes: [String]

    @Option(help: "apply or validate, for every change.")
    var action: String = "validate"

    @Option(name: .customLong("metadata"), help: ArgumentHelp("Metadata passed to the provider (repeatable).", valueName: "key=value"))
    var metadata: [String] = []

    func run() async throws {
        guard let action = ChangeAction(rawValue: action) else { throw UsageError(message: "--action must be apply or validate") }
        var entries: [String: String] = [:]
        for pair in metadata {
            guard let equals = pair.firstIndex(of: "=") else { throw UsageError(message: "--metadata expects key=value, got \"\(pair)\"") }
            entries[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        let id = try SendCancelCommand.requestID(requestId ?? "req-\(UUID().uuidString.lowercased().prefix(12))")
        let command = BuildCommand.trigger(TriggerCommand(
            requestID: id, queue: queue,
            changes: changes.map { BuildChange(uris: $0.split(separator: ",").map(String.init), action: action) },
            metadata: BuildMetadata(entries)))
        try await SendCancelCommand.send(command, target: target)
    }
}

struct SendRefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Ask the build's owner to look at it now instead of at its next poll.",
        discussion: "The owner skips the status call when --observed-status is what it has already; a refresh of an unknown or finished build is dropped."
    )

    @OptionGroup var target: KafkaTargetOptions

    @Option(help: "The request id of the build.")
    var requestId: String

    @Option(help: ArgumentHelp("The status the sender saw.", valueName: "accepted|running|succeeded|failed|cancelled"))
    var observedStatus: String?

    func run() async throws {
        var observed: BuildStatus?
        if let observedStatus {
            guard let status = BuildStatus(rawValue: observedStatus), status != .unknown else {
                throw UsageError(message: "--observed-status must be accepted, running, succeeded, failed or cancelled")
            }
            observed = status
        }
        let id = try SendCancelCommand.requestID(requestId)
        try await SendCancelCommand.send(.refresh(RefreshCommand(requestID: id, observedStatus: observed)), target: target)
    }
}

struct SendCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a request's build.")

    @OptionGroup var target: KafkaTargetOptions

    @Option(help: "The request id to cancel.")
    var requestId: String

    @Option(help: "Why, for logs and people.")
    var reason: String?

    func run() async throws {
        try await Self.send(.cancel(CancelCommand(requestID: try Self.requestID(requestId), reason: reason)), target: target)
    }

    static func requestID(_ text: String) throws -> RequestID {
        guard let id = RequestID(rawValue: text) else { throw UsageError(message: "--request-id must be 1-256 characters of [A-Za-z0-9._:/-]") }
        return id
    }

    /// Validates the command as a worker would, sends it, and prints the request id and where it went.
    static func send(_ command: BuildCommand, target: KafkaTargetOptions) async throws {
        let configuration = try await target.load()
        let logger = CommandLogging.bootstrap(label: "buildrelay.send", level: .warning)
        let bytes = CommandEncoder.encode(command)
        let key = Array(command.requestID.rawValue.utf8)
        if case .failure(let rejection) = CommandDecoder(maximumCommandBytes: configuration.worker.maxCommandBytes).decode(key: key, value: bytes) {
            throw UsageError(message: "invalid command: \(rejection.reason)")
        }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: target.client(configuration)), logger: logger)
        let report: KafkaDeliveryReport
        do {
            _ = try await KafkaTargetOptions.partitionCount(of: configuration.topics.commands, bootstrapServers: configuration.bootstrapServers) {
                try await producer.partitionCounts(of: $0)
            }
            report = try await producer.send(KafkaProducerRecord(topic: configuration.topics.commands, key: key, value: bytes))
        } catch {
            await producer.close(timeout: .zero)
            throw error
        }
        await producer.close()
        print("\(command.requestID) -> \(report.topic)[\(report.partition)] offset \(report.offset)")
    }
}
