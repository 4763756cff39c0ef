import BuildRelayKafka
import Foundation

/// A Kafka-protocol broker for a test: librdkafka's mock cluster in this process by default, or a Tansu process
/// when `BUILDRELAY_TEST_BROKER=tansu` (the second lane of `make test`, which also loads librdkafka 2.16).
public protocol TestBroker: Sendable {
    /// `host:port,…`
    var bootstrapServers: String { get }
    /// Creates `topic` with `partitions` partitions, waiting until the broker serves it.
    func createTopic(_ topic: String, partitions: Int) throws
}

extension MockCluster: TestBroker {
    public func createTopic(_ topic: String, partitions: Int) throws {
        try createTopic(topic, partitions: partitions, replicationFactor: 1)
    }
}

/// Which broker this test run uses.
public enum TestBrokers {
    /// `BUILDRELAY_TEST_BROKER`: unset or `mock` for the embedded mock cluster, `tansu` for Tansu.
    public static let kind = ProcessInfo.processInfo.environment["BUILDRELAY_TEST_BROKER"] ?? "mock"

    /// The run uses a broker other than the embedded mock cluster: tests that need the mock's fault injection or
    /// its partition layout (`buildrelay broker`) do not apply.
    public static var isExternal: Bool { kind != "mock" }

    /// A new broker of this run's kind, with nothing on it.
    public static func make() throws -> any TestBroker {
        switch kind {
        case "mock": return try MockCluster()
        case "tansu": return try TansuBroker()
        default: throw TestBrokerError(message: "BUILDRELAY_TEST_BROKER=\(kind): expected mock or tansu")
        }
    }
}

public struct TestBrokerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
