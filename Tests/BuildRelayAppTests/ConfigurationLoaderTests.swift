import BuildRelayApp
import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
import Logging
import Testing

/// The contract's configuration: file, then `BUILDRELAY_*` environment, then `--set`, over defaults; every key
/// checked, secrets only from the environment.
@Suite struct ConfigurationLoaderTests {
    func file(_ text: String, suffix: String = ".yaml") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("config") + suffix).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ text: String? = nil, suffix: String = ".yaml", set: [String: String] = [:], environment: [String: String] = [:]) async throws -> BuildRelayConfiguration {
        try await ConfigurationLoader(filePath: text.map { try file($0, suffix: suffix) }, overrides: set, environment: environment).load()
    }

    func error(_ text: String? = nil, set: [String: String] = [:], environment: [String: String] = [:]) async -> ConfigurationError? {
        do {
            _ = try await load(text, set: set, environment: environment)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            Issue.record("not a ConfigurationError: \(error)")
            return nil
        }
    }

    static let contractExample = """
        kafka:
          bootstrapServers: 127.0.0.1:9092
          groupId: buildrelay
          properties:
            session.timeout.ms: "6000"
          secretProperties:
            sasl.password: KAFKA_SASL_PASSWORD
        topics: {commands: build.commands, status: build.status, state: build.state, deadLetter: build.commands.dlq}
        worker:
          maxInFlightBuilds: 10000
          maxHeldTriggers: 1000
          maxCommandBytes: 512KiB
          requestRetention: 7d
          pollInterval: {accepted: 5s, running: 2s}
          statusConcurrency: 64
          retry: {maxAttempts: 8, maxElapsed: 10m, initialBackoff: 500ms, maxBackoff: 30s}
          maxBuildDuration: 6h
          shutdownTimeout: 30s
        logging: {level: info, format: json}
        http:
          port: 9090
        queues:
          local:
            provider: process
            process: {command: ["./ci.sh"], workingDirectory: ".", timeout: 30m, cancelGracePeriod: 10s}
          sim:
            provider: simulated
            pollInterval: {running: 15s}
            simulated: {minDuration: 1s, maxDuration: 5s, failureRate: 0.1}
          fast:
            provider: noop
        """

    /// The contract's example as it stands, with its three vendor queues.
    static let contractExampleWithVendors = contractExample + """

          main:
            provider: buildkite
            pollInterval: {running: 15s}
            maxRequestsPerMinute: 150
            buildkite: {apiURL: "https://api.buildkite.com/v2", organization: acme, pipeline: api-ci, branch: main, tokenEnv: BUILDKITE_TOKEN}
          nightly:
            provider: jenkins
            jenkins: {url: "https://jenkins.example.com", job: "api/nightly", userEnv: JENKINS_USER, tokenEnv: JENKINS_TOKEN}
          gha:
            provider: github-actions
            githubActions: {apiURL: "https://api.github.com", repository: acme/api, workflow: ci.yml, ref: main, tokenEnv: GITHUB_TOKEN}
        """

    @Test func theContractsExampleLoads() async throws {
        let configuration = try await load(Self.contractExample, environment: ["KAFKA_SASL_PASSWORD": "hunter2"])
        #expect(configuration.bootstrapServers == "127.0.0.1:9092")
        #expect(configuration.kafkaProperties == ["session.timeout.ms": "6000"])
        #expect(configuration.kafkaSecretValues == ["sasl.password": "hunter2"])
        #expect(configuration.worker.maxCommandBytes == 512 * 1024)
        #expect(configuration.worker.requestRetention == .seconds(7 * 86_400))
        #expect(configuration.worker.retry.initialBackoff == .milliseconds(500))
        #expect(configuration.queues.map(\.name) == ["fast", "local", "sim"])
        #expect(configuration.queues[1].provider == ProviderSettings(ProcessProvider(configuration: ProcessBuildConfiguration(
            command: ["./ci.sh"], workingDirectory: ".", timeout: .seconds(1800), cancelGracePeriod: .seconds(10)))))
        #expect(configuration.queues[2].pollIntervalRunning == .seconds(15))
        #expect(configuration.queues[2].provider == ProviderSettings(SimulatedProvider(configuration: SimulatedBuildConfiguration(
            minimumDuration: .seconds(1), maximumDuration: .seconds(5), failureRate: 0.1))))
    }

    @Test func flagsBeatTheEnvironmentWhichBeatsTheFile() async throws {
        let text = "worker: {statusConcurrency: 10, commandConcurrency: 11, maxHeldTriggers: 12}\nkafka: {groupId: from-file}"
        let configuration = try await load(
            text, set: ["worker.statusConcurrency": "30"],
            environment: ["BUILDRELAY_WORKER_STATUS_CONCURRENCY": "20", "BUILDRELAY_WORKER_COMMAND_CONCURRENCY": "21", "BUILDRELAY_KAFKA_GROUP_ID": "from-env"])
        #expect(configuration.worker.statusConcurrency == 30)
        #expect(configuration.worker.commandConcurrency == 21)
        #expect(configuration.worker.maxHeldTriggers == 12)
        #expect(configuration.worker.groupID == "from-env")
        #expect(configuration.worker.maxInFlightBuilds == 10_000)
    }

    @Test func flagsCanAddQueuesAndLibrdkafkaProperties() async throws {
        let configuration = try await load(set: ["queues.fast.provider": "noop", "kafka.properties.linger.ms": "5"])
        #expect(configuration.queues.map(\.name) == ["fast"])
        #expect(configuration.kafkaProperties == ["linger.ms": "5"])
    }

    @Test("an empty mapping sets nothing: properties: {} is valid")
    func anEmptyMappingSetsNothing() async throws {
        let configuration = try await load("kafka: {bootstrapServers: kafka:9092, properties: {}, secretProperties: {}}\nworker: {}\nqueues: {fast: {provider: noop}}")
        #expect(configuration.kafkaProperties.isEmpty)
        #expect(configuration.bootstrapServers == "kafka:9092")
    }

    @Test func aJSONFileLoadsToo() async throws {
        let configuration = try await load(#"{"kafka": {"bootstrapServers": "kafka:9092"}, "worker": {"statusConcurrency": 5}, "queues": {"fast": {"provider": "noop"}}}"#, suffix: ".json")
        #expect(configuration.bootstrapServers == "kafka:9092")
        #expect(configuration.worker.statusConcurrency == 5)
        #expect(configuration.queues.map(\.name) == ["fast"])
    }

    @Test("bad configurations name the key at fault", arguments: [
        ("worker: {shutdownTimout: 3s}", "worker.shutdownTimout", "unknown key"),
        ("worker: {shutdownTimeout: 3}", "worker.shutdownTimeout", "expected a duration"),
        ("worker: {maxCommandBytes: lots}", "worker.maxCommandBytes", "expected a size"),
        ("worker: {statusConcurrency: 0}", "worker.statusConcurrency", "at least 1"),
        ("kafka: {secretProperties: {sasl.password: NO_SUCH_VARIABLE_HERE}}", "kafka.secretProperties.sasl.password", "NO_SUCH_VARIABLE_HERE is not set"),
        ("kafka: {properties: {sasl.password: hunter2}}", "kafka.properties.sasl.password", "kafka.secretProperties"),
        ("queues: {main: {provider: circleci}}", "queues.main.provider", "unknown provider"),
        ("queues: {main: {simulated: {failureRate: 0.5}}}", "queues.main.provider", "missing"),
        ("queues: {main: {provider: noop, simulated: {failureRate: 0.5}}}", "queues.main.simulated", "provider is noop"),
        ("queues: {main: {provider: process}}", "queues.main.process.command", "missing"),
        ("queues: {main: {provider: simulated, simulated: {failureRate: 2}}}", "queues.main.simulated.failureRate", "0.0...1.0"),
        ("queues: {main: {provider: github-actions}}", "queues.main.githubActions.repository", "missing"),
        ("queues: {main: {provider: github-actions, githubActions: {repository: acme, workflow: ci.yml, tokenEnv: T}}}", "queues.main.githubActions.repository", "owner/repo"),
        ("queues: {main: {provider: jenkins, jenkins: {url: 'https://ci', job: a/b, tokenEnv: T}}}", "queues.main.jenkins.userEnv", "missing"),
        ("queues: {main: {provider: buildkite}}", "queues.main.buildkite.organization", "missing"),
        ("queues: {main: {provider: buildkite, buildkite: {organization: acme, pipeline: api}}}", "queues.main.buildkite.tokenEnv", "missing"),
        ("queues: {main: {provider: buildkite, buildkite: {organization: acme, pipeline: api, tokenEnv: NO_SUCH_TOKEN_HERE}}}", "queues.main.buildkite.tokenEnv", "NO_SUCH_TOKEN_HERE is not set"),
        ("queues: {main: {provider: buildkite, buildkite: {organization: acme, pipeline: api, tokenFile: /no/such/file}}}", "queues.main.buildkite.tokenFile", "cannot read"),
        ("queues: {main: {provider: buildkite, buildkite: {apiURL: 'ftp://x', organization: acme, pipeline: api, tokenEnv: T}}}", "queues.main.buildkite.apiURL", "http(s) URL"),
        ("queues: {main: {provider: noop, colour: blue}}", "queues.main.colour", "unknown key"),
        ("queues: {main: {provider: noop, requestTimeout: 0s}}", "queues.main.requestTimeout", "longer than 0"),
        ("logging: {format: xml}", "logging.format", "json, text"),
        ("topics: {status: build.commands}", "topics", "different"),
    ])
    func badConfigurationNamesTheKey(_ text: String, key: String, message: String) async {
        let error = await error(text)
        #expect(error?.key == key, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test("a Buildkite queue reads its token from the environment; the effective configuration names the variable, never the token")
    func buildkiteQueue() async throws {
        let configuration = try await load(
            "queues: {main: {provider: buildkite, maxRequestsPerMinute: 150, requestTimeout: 5s, buildkite: {organization: acme, pipeline: api-ci, tokenEnv: BUILDKITE_TOKEN}}}",
            environment: ["BUILDKITE_TOKEN": "bk-secret-value-1"])
        let provider = try #require(configuration.queues.first?.provider.registration as? BuildkiteProvider)
        let (buildkite, source) = (provider.configuration, provider.token)
        #expect(buildkite.token.value == "bk-secret-value-1")
        #expect(buildkite.apiURL == "https://api.buildkite.com/v2")
        #expect(buildkite.branch == "main")
        #expect(buildkite.maxRequestsPerMinute == 150)
        #expect(buildkite.requestTimeout == .seconds(5))
        #expect(source == .environment("BUILDKITE_TOKEN"))
        let yaml = EffectiveConfigurationPrinter.yaml(configuration)
        #expect(yaml.contains("requestTimeout: 5s"))
        #expect(yaml.contains("tokenEnv: BUILDKITE_TOKEN"))
        #expect(!yaml.contains("bk-secret-value-1"))
        #expect(!"\(configuration)".contains("bk-secret-value-1"))
    }

    @Test("a Jenkins queue reads its user and token from the environment; config check names the variables only")
    func jenkinsQueue() async throws {
        let configuration = try await load(
            "queues: {nightly: {provider: jenkins, jenkins: {url: 'https://jenkins.example.com', job: api/nightly, userEnv: JENKINS_USER, tokenEnv: JENKINS_TOKEN}}}",
            environment: ["JENKINS_USER": "relay-bot", "JENKINS_TOKEN": "jenkins-secret-9"])
        let provider = try #require(configuration.queues.first?.provider.registration as? JenkinsProvider)
        let (jenkins, user, token) = (provider.configuration, provider.user, provider.token)
        #expect(jenkins.user.value == "relay-bot")
        #expect(jenkins.requestTimeout == .seconds(30))
        #expect(jenkins.token.value == "jenkins-secret-9")
        #expect(user == .environment("JENKINS_USER"))
        #expect(token == .environment("JENKINS_TOKEN"))
        let yaml = EffectiveConfigurationPrinter.yaml(configuration)
        #expect(yaml.contains("tokenEnv: JENKINS_TOKEN"))
        #expect(!yaml.contains("jenkins-secret-9"))
    }

    @Test("the contract's example configuration loads whole, every provider included, given its secrets")
    func theContractsExampleWithEveryProviderLoads() async throws {
        let configuration = try await load(Self.contractExampleWithVendors, environment: [
            "KAFKA_SASL_PASSWORD": "hunter2", "BUILDKITE_TOKEN": "bk-1", "JENKINS_USER": "bot", "JENKINS_TOKEN": "jk-2", "GITHUB_TOKEN": "gh-3",
        ])
        #expect(configuration.queues.map(\.provider.name).sorted() == ["buildkite", "github-actions", "jenkins", "noop", "process", "simulated"])
        let yaml = EffectiveConfigurationPrinter.yaml(configuration)
        for secret in ["hunter2", "bk-1", "jk-2", "gh-3"] { #expect(!yaml.contains(secret)) }
        #expect(yaml.contains("tokenEnv: GITHUB_TOKEN"))
        #expect(yaml.contains("repository: acme/api"))
    }

    @Test("a queue with a webhook reads its secret from the environment, polls every 60 s as a safety net unless it says otherwise, and config check names only the variable")
    func webhookQueue() async throws {
        let text = """
            queues:
              main: {provider: buildkite, webhook: {secretEnv: BK_HOOK}, buildkite: {organization: acme, pipeline: api, tokenEnv: BK_TOKEN}}
              gha: {provider: github-actions, webhook: {secretEnv: GH_HOOK}, pollInterval: {running: 5s}, githubActions: {repository: acme/api, workflow: ci.yml, tokenEnv: GH_TOKEN}}
            """
        let configuration = try await load(text, environment: ["BK_HOOK": "hook-secret-1", "BK_TOKEN": "t1", "GH_HOOK": "hook-secret-2", "GH_TOKEN": "t2"])
        let main = try #require(configuration.queues.first { $0.name == "main" })
        #expect(main.webhook?.source == .environment("BK_HOOK"))
        #expect(main.webhook?.secret.value == "hook-secret-1")
        let logger = Logger(label: "test")
        let mainQueue = WorkerAssembly.queue(for: main, defaults: configuration.worker.pollIntervals, logger: logger)
        #expect(mainQueue.pollIntervals.accepted == .seconds(60) && mainQueue.pollIntervals.running == .seconds(60))
        let gha = try #require(configuration.queues.first { $0.name == "gha" })
        let ghaQueue = WorkerAssembly.queue(for: gha, defaults: configuration.worker.pollIntervals, logger: logger)
        #expect(ghaQueue.pollIntervals.accepted == .seconds(60) && ghaQueue.pollIntervals.running == .seconds(5))
        try await mainQueue.manager.close()
        try await ghaQueue.manager.close()
        #expect(Set(WorkerAssembly.webhooks(configuration).keys) == ["main", "gha"])
        let yaml = EffectiveConfigurationPrinter.yaml(configuration)
        #expect(yaml.contains("secretEnv: BK_HOOK"))
        #expect(!yaml.contains("hook-secret-1") && !yaml.contains("hook-secret-2"))
    }

    @Test("a webhook on a provider without webhooks, or without its secret, is refused naming the key")
    func webhookErrors() async throws {
        let simulated = await error("queues: {sim: {provider: simulated, webhook: {secretEnv: HOOK}}}", environment: ["HOOK": "x"])
        #expect(simulated == ConfigurationError(key: "queues.sim.webhook", "the simulated provider has no webhooks"))
        let unset = await error(
            "queues: {main: {provider: buildkite, webhook: {secretEnv: HOOK}, buildkite: {organization: acme, pipeline: api, tokenEnv: BK_TOKEN}}}",
            environment: ["BK_TOKEN": "t1"])
        #expect(unset == ConfigurationError(key: "queues.main.webhook.secretEnv", "environment variable HOOK is not set"))
        let misspelt = await error(
            "queues: {main: {provider: buildkite, webhook: {secret: x}, buildkite: {organization: acme, pipeline: api, tokenEnv: BK_TOKEN}}}",
            environment: ["BK_TOKEN": "t1"])
        #expect(misspelt?.key == "queues.main.webhook.secret")
    }

    @Test func theEffectiveConfigurationNeverShowsASecret() async throws {
        let configuration = try await load(Self.contractExample, environment: ["KAFKA_SASL_PASSWORD": "hunter2"])
        let yaml = EffectiveConfigurationPrinter.yaml(configuration)
        #expect(!yaml.contains("hunter2"))
        #expect(yaml.contains("sasl.password: KAFKA_SASL_PASSWORD"))
        #expect(yaml.contains("requestRetention: 7d"))
    }
}
