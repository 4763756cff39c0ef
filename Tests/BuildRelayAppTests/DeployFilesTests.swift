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
}
