import BuildRelayApp
import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Testing

/// The command line's contract: exit codes, and one clear line for a bad configuration.
@Suite(.timeLimit(.minutes(2)))
struct CommandLineTests {
    @Test("config check exits 2 with one line naming the key", arguments: [
        (["worker.shutdownTimeout=soon"], "worker.shutdownTimeout"),
        (["worker.shutdownTimout=3s"], "worker.shutdownTimout"),
        (["worker.maxCommandBytes=lots"], "worker.maxCommandBytes"),
        (["worker.statusConcurrency=0"], "worker.statusConcurrency"),
        (["queues.main.provider=circleci"], "queues.main.provider"),
        (["queues.main.provider=process"], "queues.main.process.command"),
        (["queues.main.provider=buildkite", "queues.main.buildkite.organization=acme", "queues.main.buildkite.pipeline=api",
          "queues.main.buildkite.tokenEnv=NO_SUCH_VARIABLE_SET"], "queues.main.buildkite.tokenEnv"),
        (["queues.main.provider=noop", "queues.main.simulated.failureRate=0.5"], "queues.main.simulated"),
        (["kafka.secretProperties.sasl.password=NO_SUCH_VARIABLE_SET"], "kafka.secretProperties.sasl.password"),
        (["logging.format=xml"], "logging.format"),
        (["http.port=70000"], "http.port"),
        (["tracing.endpoint=collector:4318"], "tracing.endpoint"),
    ])
    func configCheckExits2WithOneLineNamingTheKey(_ settings: [String], key: String) async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let (status, output) = try await ProcessRunner.run(executable, ["config", "check"] + settings.flatMap { ["--set", $0] }, includeStandardError: true)
        #expect(status == 2)
        #expect(output.split(separator: "\n").count == 1, "\(output)")
        #expect(output.contains(key), "\(output)")
    }

    @Test("a value of the wrong shape is an error naming the key and the shape it needs, never a silent default", arguments: [
        ("kafka: {bootstrapServers: [kafka-1:9092, kafka-2:9092]}", "kafka.bootstrapServers: expected a single value, got a list (several values go in one, comma-separated: \"kafka-1:9092,kafka-2:9092\")"),
        ("queues: {local: {provider: process, process: {command: ./ci.sh --flag}}}", "queues.local.process.command: expected a list, got a single value: write it as [\"./ci.sh\", \"--flag\"]"),
        ("worker: {pollInterval: 5s}", "worker.pollInterval: expected a map (of accepted, running), got a single value"),
        ("kafka: {groupId: {name: x}}", "kafka.groupId: expected a single value, got a map"),
        ("queues: [main]", "queues: expected a map, got a list"),
    ])
    func wrongShapes(_ yaml: String, message: String) async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("shape")).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try await ProcessRunner.run(executable, ["config", "check", "--config", file.path], includeStandardError: true)
        #expect(status == 2)
        #expect(output == "configuration key \(message)\n" || output.hasSuffix(": configuration key \(message)\n"), "\(output)")
    }

    @Test("a process command given as a JSON list with --set works; one with spaces is refused with the list form")
    func processCommandFromFlags() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let list = try await ProcessRunner.run(executable, ["config", "check", "--set", "queues.l.provider=process", "--set", #"queues.l.process.command=["/bin/echo","hello"]"#])
        #expect(list.status == 0)
        #expect(list.output.contains("- /bin/echo\n      - hello"), "\(list.output)")
        let words = try await ProcessRunner.run(executable, ["config", "check", "--set", "queues.l.provider=process", "--set", "queues.l.process.command=/bin/echo hello"], includeStandardError: true)
        #expect(words.status == 2)
        #expect(words.output.contains(#"write it as ["/bin/echo", "hello"]"#), "\(words.output)")
    }

    @Test("config check warns when a process program cannot be started here, and still exits 0")
    func configCheckWarnsAboutAMissingProgram() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let missing = try await ProcessRunner.run(executable, ["config", "check", "--set", "queues.l.provider=process", "--set", "queues.l.process.command=./no-such-ci.sh"], includeStandardError: true)
        #expect(missing.status == 0)
        #expect(missing.output.contains("warning: queues.l.process.command: ./no-such-ci.sh (in "), "\(missing.output)")
        #expect(missing.output.contains(") not found"), "\(missing.output)")
        let present = try await ProcessRunner.run(executable, ["config", "check", "--set", "queues.l.provider=process", "--set", "queues.l.process.command=sh"], includeStandardError: true)
        #expect(present.status == 0 && !present.output.contains("warning"), "\(present.output)")
    }

    @Test("config check prints the contract's example back with every secret named, never shown")
    func configCheckRedactsSecrets() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("contract")).yaml")
        try """
            kafka: {bootstrapServers: "kafka:9092", secretProperties: {sasl.password: KAFKA_SASL_PASSWORD}}
            queues:
              main: {provider: buildkite, buildkite: {organization: acme, pipeline: api-ci, tokenEnv: BUILDKITE_TOKEN}}
              nightly: {provider: jenkins, jenkins: {url: "https://jenkins.example.com", job: api/nightly, userEnv: JENKINS_USER, tokenEnv: JENKINS_TOKEN}}
              gha: {provider: github-actions, githubActions: {repository: acme/api, workflow: ci.yml, tokenEnv: GITHUB_TOKEN}}
            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let secrets = ["KAFKA_SASL_PASSWORD": "kafka-pw-41", "BUILDKITE_TOKEN": "bk-tok-42", "JENKINS_USER": "jenkins-user-43",
                       "JENKINS_TOKEN": "jk-tok-44", "GITHUB_TOKEN": "gh-tok-45"]
        let (status, output) = try await ProcessRunner.run(executable, ["config", "check", "--config", file.path], includeStandardError: true, environment: secrets)
        #expect(status == 0, "\(output)")
        for (name, value) in secrets {
            #expect(!output.contains(value), "\(name)'s value in: \(output)")
            #expect(output.contains(name))
        }
    }

    @Test("--version prints the release and the librdkafka it runs with")
    func version() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let (status, output) = try await ProcessRunner.run(executable, ["--version"])
        #expect(status == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "buildrelay \(BuildRelayVersion.current) (librdkafka \(Librdkafka.version))")
    }

    @Test("shell completion scripts cover the subcommands", arguments: ["bash", "zsh", "fish"])
    func shellCompletion(_ shell: String) async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let (status, output) = try await ProcessRunner.run(executable, ["--generate-completion-script", shell])
        #expect(status == 0)
        for subcommand in ["worker", "send", "events", "status", "builds", "config"] { #expect(output.contains(subcommand), "\(shell): \(subcommand)") }
    }

    @Test func configCheckPrintsTheEffectiveConfiguration() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let (status, output) = try await ProcessRunner.run(executable, ["config", "check", "--set", "queues.fast.provider=noop", "--set", "worker.statusConcurrency=3"])
        #expect(status == 0)
        #expect(output.contains("statusConcurrency: 3"))
        #expect(output.contains("fast:"))
    }

    @Test func theWorkerRefusesToStartWhenStateAndCommandPartitionsDiffer() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness(partitions: 4, statePartitions: 3)
        let (status, output) = try await ProcessRunner.run(executable, Self.workerArguments(harness), includeStandardError: true)
        #expect(status == 2)
        #expect(output.contains("has 3 partitions but \(harness.topics.commands) has 4"), "\(output)")
        // The executable allocates through jemalloc with its compiled-in options (Sources/CJemalloc), and says so.
        #expect(output.contains("allocator=jemalloc 5."), "\(output)")
        #expect(output.contains(", 1 arena "), "\(output)")
        #expect(output.contains("librdkafka=\(ProcessInfo.processInfo.environment["BUILDRELAY_TEST_LIBRDKAFKA"] ?? "2.0.2")"), "\(output)")
    }

    /// `worker` arguments for the harness's broker and topics, with `topics.<key>` replaced as given.
    static func workerArguments(_ harness: WorkerHarness, topics replaced: [String: String] = [:], httpPort: UInt16 = 0) -> [String] {
        let topics = ["commands": harness.topics.commands, "status": harness.topics.status, "state": harness.topics.state, "deadLetter": harness.topics.deadLetter]
            .merging(replaced) { $1 }
        return ["worker", "--set", "kafka.bootstrapServers=\(harness.cluster.bootstrapServers)", "--set", "logging.format=text", "--set", "http.port=\(httpPort)"]
            + topics.sorted { $0.key < $1.key }.flatMap { ["--set", "topics.\($0.key)=\($0.value)"] }
    }

    @Test("logging.format json writes one JSON object per line, every line out before the process exits")
    func jsonLogLines() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let missing = uniqueName("missing-commands")
        let (status, output) = try await ProcessRunner.run(
            executable, Self.workerArguments(harness, topics: ["commands": missing]) + ["--set", "logging.format=json"], includeStandardError: true)
        #expect(status == 2)
        let objects = output.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(!objects.isEmpty, "\(output)")
        #expect(objects.allSatisfy { $0["time"] is String && $0["level"] is String && $0["logger"] is String && $0["message"] is String }, "\(output)")
        let starting = try #require(objects.first { $0["message"] as? String == "starting" }, "\(output)")
        #expect((starting["time"] as? String)?.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil)
        #expect(starting["librdkafka"] as? String == ProcessInfo.processInfo.environment["BUILDRELAY_TEST_LIBRDKAFKA"] ?? "2.0.2")
        #expect(output.contains("topic \(missing) does not exist"), "\(output)")
    }

    @Test("a missing topic makes the worker exit 2 naming it, and no client of the worker creates it")
    func aMissingTopicExits2AndIsNotCreated() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let missing = uniqueName("missing-state")
        let (status, output) = try await ProcessRunner.run(executable, Self.workerArguments(harness, topics: ["state": missing]), includeStandardError: true)
        #expect(status == 2)
        #expect(output.contains("topic \(missing) does not exist"), "\(output)")
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: harness.cluster.bootstrapServers), logger: testLogger())
        #expect(try await producer.partitionCounts(of: [missing, harness.topics.commands]) == [harness.topics.commands: harness.partitions])
        await producer.close()
    }

    @Test("an http.port already in use makes the worker exit 2 naming the key")
    func anHTTPPortInUseExits2() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let taken = try LoopbackSocket(listening: true)
        let (status, output) = try await ProcessRunner.run(executable, Self.workerArguments(harness, httpPort: taken.port), includeStandardError: true)
        #expect(status == 2)
        #expect(output.contains("http.port \(taken.port) is already in use"), "\(output)")
    }

    @Test("send and events fail naming the bootstrap address when no broker answers", arguments: [
        ["send", "trigger", "--queue", "fast", "--change", "u"], ["send", "cancel", "--request-id", "r-1"], ["events"],
    ])
    func sendAndEventsFailNamingTheBootstrapAddress(_ arguments: [String]) async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let refusing = try LoopbackSocket(listening: false)
        let nobody = "127.0.0.1:\(refusing.port)"
        let (status, output) = try await withDeadline(60, "\(arguments.joined(separator: " ")) gives up") {
            try await ProcessRunner.run(executable, arguments + ["--bootstrap-servers", nobody], includeStandardError: true)
        }
        withExtendedLifetime(refusing) {}
        #expect(status == 1)
        #expect(output.contains("no Kafka broker answered at \(nobody)"), "\(output)")
    }

    @Test func sendThenEventsShowsTheBuild() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        let target = harness.commandLineTarget
        let sent = try await ProcessRunner.run(executable, ["send", "trigger", "--request-id", "cli-1", "--queue", "fast", "--change", "github://a/b/pull/1/c", "--metadata", "author=kim"] + target)
        #expect(sent.status == 0)
        #expect(sent.output.hasPrefix("cli-1 -> \(harness.topics.commands)["))
        let statuses = LockedArray<Int32>()
        try await waitUntil("the event is readable") {
            let events = try await ProcessRunner.run(executable, ["events", "--json", "--request-id", "cli-1"] + target)
            statuses.append(events.status)
            return events.output.contains("\"status\":\"succeeded\"")
        }
        #expect(statuses.values.allSatisfy { $0 == 0 })
        let bad = try await ProcessRunner.run(executable, ["send", "trigger", "--request-id", "bad id", "--queue", "fast", "--change", "x"] + target, includeStandardError: true)
        #expect(bad.status == 2)
        await worker.stop()
    }
}
