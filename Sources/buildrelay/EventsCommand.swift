import ArgumentParser
import BuildRelayApp
import BuildRelayCore
import BuildRelayKafka
import Foundation

/// `buildrelay events`: status events, the partitions merged in time order.
///
/// What is already in the topic (from `--from`) is read to its end, sorted by event time and printed; with
/// `--follow` or `--wait`, new events are then printed as they arrive. An event id seen before (a republish after a
/// takeover, byte-identical) is marked `(repeat)`.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print status events in time order (times in UTC), one line each, or their JSON with --json.",
        discussion: """
            With --request-id only that request's home partition is read. --wait (with --request-id) follows the \
            request until its build is terminal and exits with its outcome: 0 succeeded, 3 failed, 4 cancelled, \
            5 --timeout passed first (1 runtime failure, 2 bad usage as always).
            """
    )

    /// `--wait`'s exit codes.
    enum Outcome: Int32 {
        case succeeded = 0, failed = 3, cancelled = 4, timedOut = 5
    }

    @OptionGroup var target: KafkaTargetOptions

    @Flag(help: "Keep printing new events until interrupted (Ctrl-C).")
    var follow = false

    @Flag(help: "Print each event's JSON as published, one per line.")
    var json = false

    @Option(help: "Only this request's events (reads only its home partition).")
    var requestId: String?

    @Option(help: ArgumentHelp("Where to start: beginning, now, or a duration ago such as 15m, 2h or 1d.", valueName: "beginning|now|duration"))
    var from = "beginning"

    @Flag(help: "With --request-id: follow until the build is terminal; the exit code says how it ended.")
    var wait = false

    @Option(help: ArgumentHelp("With --wait: give up after this long (exit 5), e.g. 30m.", valueName: "duration"))
    var timeout: String?

    @Flag(help: "One line per request (status, build, when, how long, how many events) instead of one per event.")
    var summary = false

    func validate() throws {
        if wait, requestId == nil { throw ValidationError("--wait needs --request-id") }
        if timeout != nil, !wait { throw ValidationError("--timeout goes with --wait") }
        if summary, json { throw ValidationError("--summary prints text; leave out --json") }
        if timeout.flatMap(ConfigurationValueParser.duration) == nil, let timeout { throw ValidationError("--timeout: expected a duration such as 30s or 30m, got \"\(timeout)\"") }
        _ = try start(now: 0)
    }

    /// The first event time to print (ms since the Unix epoch); `nil` for the beginning, `Int64.max` for now.
    func start(now: Int64) throws -> Int64? {
        switch from {
        case "beginning": return nil
        case "now": return .max
        default:
            guard let ago = ConfigurationValueParser.duration(from) else {
                throw ValidationError("--from: expected beginning, now or a duration such as 15m, got \"\(from)\"")
            }
            return now - Int64(ago.components.seconds * 1000 + ago.components.attoseconds / 1_000_000_000_000_000)
        }
    }

    func run() async throws {
        let configuration = try await target.load()
        let logger = CommandLogging.bootstrap(label: "buildrelay.events", level: .warning)
        var client = target.client(configuration)
        client.properties["enable.partition.eof"] = "true"
        client.properties["fetch.wait.max.ms"] = "100"
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client, groupID: nil), logger: logger)
        do {
            let timeout = timeout.flatMap(ConfigurationValueParser.duration)
            let outcome = try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask { try await read(with: consumer, topic: configuration.topics.status, bootstrapServers: configuration.bootstrapServers) }
                if let timeout {
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        return .timedOut
                    }
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            await consumer.close()
            if outcome == .timedOut { FileHandle.standardError.write(Data("\(requestId ?? "the request") is not finished after \(self.timeout ?? "")\n".utf8)) }
            if let outcome, outcome != .succeeded { throw ExitCode(outcome.rawValue) }
        } catch {
            await consumer.close()
            throw error
        }
    }

    private func read(with consumer: KafkaConsumer, topic: String, bootstrapServers: String) async throws -> Outcome? {
        let partitionCount = try await KafkaTargetOptions.partitionCount(of: topic, bootstrapServers: bootstrapServers) {
            try await consumer.partitionCounts(of: $0)
        }
        let wanted = try requestId.map { try SendCancelCommand.requestID($0) }
        let partitions = wanted.map { [KafkaTopicPartition(topic: topic, partition: HomePartition.of($0, partitionCount: partitionCount))] }
            ?? (0..<Int32(partitionCount)).map { KafkaTopicPartition(topic: topic, partition: $0) }
        let startTime = try start(now: WorkerClock.system.wallMilliseconds())
        try consumer.assign(try await startOffsets(partitions, startTime: startTime, consumer: consumer))

        var printer = EventPrinter(formatter: StatusEventFormatter(json: json), summary: summary, from: startTime ?? .min)
        var caughtUp = Set<Int32>()
        var backlog: [StatusEventLine] = []
        var events = consumer.events.makeAsyncIterator()
        while let event = await events.next() {
            switch event {
            case .message(let message):
                if let wanted, message.key != Array(wanted.rawValue.utf8) { continue }
                guard let line = StatusEventLine(message) else {
                    print(StatusEventFormatter(json: json).unreadable(message))
                    continue
                }
                if caughtUp.count < partitions.count {
                    backlog.append(line)
                } else {
                    printer.print(line)
                }
            case .endOfPartition(let partition, _):
                guard caughtUp.count < partitions.count else { break }
                caughtUp.insert(partition.partition)
                if caughtUp.count == partitions.count {
                    // Stable: one partition's (one request's) events keep their order when times are equal.
                    for line in backlog.enumerated().sorted(by: { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }).map(\.element) {
                        printer.print(line)
                    }
                    backlog = []
                    printer.replayed(following: follow || wait)
                }
            case .error(let error):
                if error.isFatal { throw error }
            case .partitionsAssigned, .partitionsRevoked:
                break
            }
            if wait, let wanted, let status = printer.terminalStatus(of: wanted.rawValue), caughtUp.count == partitions.count {
                return status == .succeeded ? .succeeded : status == .failed ? .failed : .cancelled
            }
            if !follow, !wait, caughtUp.count == partitions.count { break }
        }
        try Task.checkCancellation()
        return nil
    }

    /// The offsets to start from: the beginning, the end, or the first record at or after `startTime` where the
    /// broker can say (it cannot on the embedded broker: those partitions are read from the beginning and the
    /// events before `startTime` skipped).
    private func startOffsets(_ partitions: [KafkaTopicPartition], startTime: Int64?, consumer: KafkaConsumer) async throws -> [KafkaTopicPartition: KafkaOffset] {
        guard let startTime else { return Dictionary(uniqueKeysWithValues: partitions.map { ($0, .beginning) }) }
        guard startTime != .max else { return Dictionary(uniqueKeysWithValues: partitions.map { ($0, .end) }) }
        let found = try await consumer.offsets(at: startTime, of: partitions)
        return Dictionary(uniqueKeysWithValues: partitions.map { partition in
            (partition, (found[partition] ?? nil).map(KafkaOffset.exact) ?? .beginning)
        })
    }
}
