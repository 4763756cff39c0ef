import BuildRelayApp
import BuildRelayTestSupport
import BuildRelayWorker
import Foundation
import Testing
import Yams

/// `deploy/` cannot be run here (no container engine), so its files are checked statically: every YAML parses, and
/// the keys that bind them together agree with each other and with the code's defaults.
@Suite("deploy/ files")
struct DeployFilesTests {
    static let deploy = repositoryRoot.appendingPathComponent("deploy")

    func text(_ path: String) throws -> String {
        try String(contentsOf: Self.deploy.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every document of a YAML file.
    func documents(_ path: String) throws -> [[String: Any]] {
        try Yams.load_all(yaml: text(path)).map { try #require($0 as? [String: Any], "\(path): a document is not a mapping") }
    }

    func value(_ object: Any?, _ path: String...) -> Any? {
        path.reduce(object) { current, key in
            if let index = Int(key), let array = current as? [Any] { return index < array.count ? array[index] : nil }
            return (current as? [String: Any])?[key]
        }
    }

    /// The worker configuration in `text`, loaded as `buildrelay worker` would, with the Secret's variables.
    func loadConfiguration(_ text: String, environment: [String: String]) async throws -> BuildRelayConfiguration {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("deploy")).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await ConfigurationLoader(filePath: file.path, environment: environment).load()
    }

    /// `--topic NAME --partitions N [--config cleanup.policy=compact]` lines of a topic-creation script.
    func topics(in script: String) -> [String: (partitions: Int, compacted: Bool)] {
        var result: [String: (Int, Bool)] = [:]
        for line in script.split(separator: "\n") where line.contains("--topic ") {
            let words = line.split(separator: " ").map(String.init)
            guard let name = words.firstIndex(of: "--topic").map({ words[$0 + 1] }),
                  let partitions = words.firstIndex(of: "--partitions").flatMap({ Int(words[$0 + 1]) }) else { continue }
            result[name] = (partitions, line.contains("cleanup.policy=compact"))
        }
        return result
    }

    @Test("every YAML and JSON file under deploy/ parses")
    func everyFileParses() throws {
        let files = try #require(FileManager.default.enumerator(atPath: Self.deploy.path)?.allObjects as? [String])
        let yaml = files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        #expect(yaml.count >= 10)
        for file in yaml { #expect(throws: Never.self, "\(file)") { _ = try documents(file) } }
        for file in files where file.hasSuffix(".json") {
            #expect(throws: Never.self, "\(file)") { _ = try JSONSerialization.jsonObject(with: Data(text(file).utf8)) }
        }
    }

    @Test("the image runs `buildrelay worker` as a non-root user, on the default HTTP port, with the library versions matched")
    func dockerfile() throws {
        let dockerfile = try text("Dockerfile")
        #expect(dockerfile.contains(#"ENTRYPOINT ["buildrelay", "worker"]"#))
        #expect(dockerfile.contains(#"CMD ["--config", "/etc/buildrelay/buildrelay.yaml"]"#))
        #expect(dockerfile.contains("EXPOSE \(BuildRelayConfiguration().httpPort)"))
        #expect(dockerfile.contains("FROM swift:") && dockerfile.contains("-bookworm AS build"))
        #expect(dockerfile.contains("FROM debian:bookworm-slim"))
        #expect(dockerfile.contains("librdkafka-dev") && dockerfile.contains("librdkafka1"))
        // The binary links jemalloc (Sources/CJemalloc): built against the -dev package, run with the library.
        #expect(dockerfile.contains("libjemalloc-dev") && dockerfile.contains("libjemalloc2"))
        #expect(dockerfile.contains("USER 10001"))
    }

    @Test("the image builds exactly the committed Package.resolved, which pins every package the manifest names")
    func pinnedDependencies() throws {
        let dockerfile = try text("Dockerfile")
        #expect(dockerfile.contains("COPY Package.swift Package.resolved ./"))
        #expect(dockerfile.contains("swift package resolve --force-resolved-versions"))
        #expect(dockerfile.contains("swift build -c release --force-resolved-versions"))
        let resolved = try JSONSerialization.jsonObject(with: Data(contentsOf: repositoryRoot.appendingPathComponent("Package.resolved"))) as? [String: Any]
        let pinned = Set(((resolved?["pins"] as? [[String: Any]]) ?? []).compactMap { $0["location"] as? String })
        let manifest = try String(contentsOf: repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let named = manifest.matches(of: #/\.package\(url: "([^"]+)"/#).map { String($0.output.1) }
        #expect(!named.isEmpty)
        for url in named { #expect(pinned.contains(url), "\(url) is not pinned in Package.resolved") }
    }

    @Test("docker compose: Kafka in KRaft mode, the topics the worker's configuration names, and the worker on its port")
    func compose() async throws {
        let compose = try #require(try documents("docker-compose.yml").first)
        let kafka = value(compose, "services", "kafka", "environment") as? [String: Any]
        #expect((kafka?["KAFKA_PROCESS_ROLES"] as? String)?.contains("controller") == true)
        let script = try #require(value(compose, "services", "create-topics", "command", "0") as? String)
        let created = topics(in: script)
        let configuration = try await loadConfiguration(try text("buildrelay.yaml"), environment: [:])
        try checkTopics(created, configuration.topics)
        #expect(configuration.queues.map(\.provider.name) == ["simulated"])
        #expect(configuration.bootstrapServers == "kafka:9092")
        let worker = try #require(value(compose, "services", "worker") as? [String: Any])
        #expect(value(worker, "build", "dockerfile") as? String == "deploy/Dockerfile")
        #expect((worker["ports"] as? [String]) == ["\(configuration.httpPort):\(configuration.httpPort)"])
        #expect((worker["volumes"] as? [String])?.first == "./buildrelay.yaml:/etc/buildrelay/buildrelay.yaml:ro")
    }

    func checkTopics(_ created: [String: (partitions: Int, compacted: Bool)], _ topics: WorkerTopics) throws {
        #expect(Set(created.keys) == [topics.commands, topics.status, topics.state, topics.deadLetter])
        #expect(created[topics.state]?.compacted == true)
        #expect(created[topics.commands]?.compacted == false)
        #expect(created[topics.state]?.partitions == created[topics.commands]?.partitions)
    }

    @Test("Kubernetes: the ConfigMap loads given the Secret's variables; probes, ports, grace period, topics and KEDA agree with it")
    func kubernetes() async throws {
        let configText = try #require(value(try documents("k8s/configmap.yaml").first, "data", "buildrelay.yaml") as? String)
        let secret = try #require(value(try documents("k8s/secret.yaml").first, "stringData") as? [String: String])
        let configuration = try await loadConfiguration(configText, environment: secret)
        #expect(Set(configuration.queues.map(\.provider.name)) == ["buildkite", "jenkins", "github-actions", "simulated"])

        let deployment = try #require(try documents("k8s/deployment.yaml").first)
        let pod = try #require(value(deployment, "spec", "template", "spec") as? [String: Any])
        let container = try #require(value(pod, "containers", "0") as? [String: Any])
        #expect(value(container, "args") as? [String] == ["--config", "/etc/buildrelay/buildrelay.yaml"])
        #expect(value(container, "ports", "0", "containerPort") as? Int == configuration.httpPort)
        #expect(value(container, "readinessProbe", "httpGet", "path") as? String == "/readyz")
        #expect(value(container, "livenessProbe", "httpGet", "path") as? String == "/healthz")
        #expect(value(container, "envFrom", "0", "secretRef", "name") as? String == value(try documents("k8s/secret.yaml").first, "metadata", "name") as? String)
        #expect(value(container, "volumeMounts", "0", "mountPath") as? String == "/etc/buildrelay")
        let grace = try #require(pod["terminationGracePeriodSeconds"] as? Int)
        #expect(Duration.seconds(grace) > configuration.worker.shutdownTimeout)

        let created = topics(in: try #require(value(try documents("k8s/topics-job.yaml").first, "spec", "template", "spec", "containers", "0", "args", "0") as? String))
        try checkTopics(created, configuration.topics)

        let scaled = try #require(try documents("k8s/scaledobject.yaml").first { $0["kind"] as? String == "ScaledObject" })
        let trigger = try #require(value(scaled, "spec", "triggers", "0", "metadata") as? [String: Any])
        #expect(trigger["consumerGroup"] as? String == configuration.worker.groupID)
        #expect(trigger["topic"] as? String == configuration.topics.commands)
        #expect(trigger["bootstrapServers"] as? String == configuration.bootstrapServers)
        let maximum = try #require(value(scaled, "spec", "maxReplicaCount") as? Int)
        #expect(maximum <= created[configuration.topics.commands]?.partitions ?? 0)
        #expect(value(scaled, "spec", "scaleTargetRef", "name") as? String == value(deployment, "metadata", "name") as? String)

        let service = try #require(try documents("k8s/service.yaml").first)
        let monitor = try #require(try documents("k8s/servicemonitor.yaml").first)
        #expect(value(service, "spec", "ports", "0", "port") as? Int == configuration.httpPort)
        #expect(value(monitor, "spec", "endpoints", "0", "path") as? String == "/metrics")
        #expect(value(monitor, "spec", "endpoints", "0", "port") as? String == value(service, "spec", "ports", "0", "name") as? String)
        #expect(value(try documents("k8s/pdb.yaml").first, "spec", "maxUnavailable") as? Int == 1)
    }

    // MARK: Alerts and dashboard

    /// The metric families the code registers: every `"buildrelay_…"` label literal under Sources/.
    static func exportedFamilies() throws -> Set<String> {
        let sources = repositoryRoot.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)?.allObjects as? [String]).filter { $0.hasSuffix(".swift") }
        var families = Set<String>()
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: /label: "(buildrelay_[a-z_]+)"/) { families.insert(String(match.1)) }
        }
        return families
    }

    /// The families a PromQL expression reads (a histogram's `_bucket`, `_sum` and `_count` series are its family's).
    static func families(in expression: String) -> Set<String> {
        Set(expression.matches(of: /buildrelay_[a-z_]+/).map { match in
            var name = String(match.0)
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
            return name
        })
    }

    @Test("the dashboard and the alert rules read only families the worker exports and docs/operations.md lists, and the dashboard shows the essential ones")
    func dashboardAndRulesNameRealFamilies() throws {
        let exported = try Self.exportedFamilies()
        #expect(exported.count >= 18, "\(exported)")
        let operations = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(text("grafana/buildrelay-dashboard.json").utf8)) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let dashboardExpressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(dashboardExpressions.count >= panels.count)
        let rules = try documents("prometheus/buildrelay.rules.yaml")
        let ruleExpressions = (value(rules.first, "groups", "0", "rules") as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        #expect(ruleExpressions.count >= 8)
        let shown = dashboardExpressions.reduce(into: Set<String>()) { $0.formUnion(Self.families(in: $1)) }
        for family in shown.union(ruleExpressions.reduce(into: Set<String>()) { $0.formUnion(Self.families(in: $1)) }) {
            #expect(exported.contains(family), "\(family) is not a family the code exports")
            #expect(operations.contains("`\(family)`"), "\(family) is not in docs/operations.md")
        }
        for essential in [
            "buildrelay_commands_total", "buildrelay_consumer_lag", "buildrelay_builds_in_flight", "buildrelay_provider_call_duration_seconds",
            "buildrelay_provider_calls_total", "buildrelay_provider_rate_limited_total", "buildrelay_commands_forwarded_total",
            "buildrelay_webhooks_total", "buildrelay_worker_ready", "buildrelay_status_transitions_total",
        ] {
            #expect(shown.contains(essential), "the dashboard does not show \(essential)")
        }
    }

    @Test("the alert rules pass promtool's check and their unit tests (Debian's prometheus package, installed by make test)")
    func alertRules() async throws {
        let promtool = try #require(["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "promtool is not installed: make test installs Debian's prometheus package")
        let directory = Self.deploy.appendingPathComponent("prometheus").path
        let check = try await ProcessRunner.run(promtool, ["check", "rules", "\(directory)/buildrelay.rules.yaml"], includeStandardError: true)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS: 8 rules found"), "\(check.output)")
        let unitTests = try await ProcessRunner.run(promtool, ["test", "rules", "\(directory)/buildrelay.rules.test.yaml"], includeStandardError: true)
        #expect(unitTests.status == 0, "\(unitTests.output)")
    }
}
