import Foundation

/// A TCP socket on 127.0.0.1, for tests that need a port: a free one, a taken one, or to see whether one listens.
public final class LoopbackSocket: Sendable {
    /// The bound port.
    public let port: UInt16
    private let descriptor: Int32

    /// Binds to `port` (0: the kernel's next free one) and, if `listening`, accepts connections (nothing answers).
    /// Not listening, it refuses connections, and while it lives nothing else (another test's broker) can take the
    /// port: the way to hold an address that nobody answers.
    public init(port: UInt16 = 0, listening: Bool) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestBrokerError(message: "socket: errno \(errno)") }
        var address = Self.address(port: port)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound, !listening || listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw TestBrokerError(message: "bind or listen on 127.0.0.1:\(port): errno \(errno)")
        }
        self.descriptor = descriptor
        self.port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(descriptor) }

    /// A port nothing listens on now (bound and released at once): for a server about to bind it. To keep an
    /// address unanswered for a whole test, hold a `LoopbackSocket(listening: false)` instead.
    public static func freePort() throws -> UInt16 {
        try LoopbackSocket(listening: false).port
    }

    /// Process `pid` holds the socket that listens on 127.0.0.1:`port` (from `/proc`): tells a server this test
    /// started from another that bound the port first.
    public static func isListening(port: UInt16, ownedBy pid: pid_t) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return false }
        let localAddress = String(format: "0100007F:%04X", port)
        let listening = table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1] == localAddress, fields[3] == "0A" else { return nil }
            return "socket:[\(fields[9])]"
        }
        guard !listening.isEmpty, let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return false }
        return descriptors.contains { descriptor in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)")).map(listening.contains) ?? false
        }
    }

    private static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }
}
