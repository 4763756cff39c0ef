import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import Synchronization

/// An in-process HTTP server (Hummingbird, on a loopback port) that plays a CI vendor's REST API for the provider
/// tests. A vendor fake answers through ``handler``; the server records every request (so tests can assert what the
/// provider sent) and first serves any injected ``Fault``.
public final class FakeVendorServer: Sendable {
    public struct Request: Sendable, CustomStringConvertible {
        public var method: String
        /// Decoded path segments: `/v2/organizations/acme` → `["v2", "organizations", "acme"]`.
        public var path: [String]
        /// Decoded query (names and values), the last value of a repeated name.
        public var query: [String: String]
        /// Lower-cased names.
        public var headers: [String: String]
        public var body: [UInt8]

        public var bodyJSON: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
        /// `application/x-www-form-urlencoded` fields.
        public var form: [String: String] { FakeVendorServer.decodeQuery(String(decoding: body, as: UTF8.self)) }
        public var description: String { "\(method) /\(path.joined(separator: "/"))" }
    }

    public struct Response: Sendable {
        public var status: Int
        var headers: [String: String] = [:]
        public var body: [UInt8] = []

        public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public static func json(_ status: Int, _ object: Any, headers: [String: String] = [:]) -> Response {
            var headers = headers
            headers["Content-Type"] = "application/json"
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])) ?? Data()
            return Response(status: status, headers: headers, body: Array(data))
        }
    }

    public enum Fault: Sendable {
        /// Answer this instead.
        case respond(Response)
        /// Answer normally, this much later.
        case delay(Duration)
    }

    private struct State {
        var requests: [Request] = []
        var faults: [(matches: @Sendable (Request) -> Bool, fault: Fault)] = []
        var windows: [(until: ContinuousClock.Instant, matches: @Sendable (Request) -> Bool, fault: Fault)] = []
    }

    public let baseURL: String
    private let state = Mutex(State())
    private let handler: @Sendable (Request) -> Response

    private init(port: Int, pathPrefix: String, handler: @escaping @Sendable (Request) -> Response) {
        self.baseURL = "http://127.0.0.1:\(port)\(pathPrefix)"
        self.handler = handler
    }

    /// Runs a server for the duration of `body`; `pathPrefix` is part of ``baseURL`` (`/v2` for Buildkite).
    public static func run<Result: Sendable>(
        pathPrefix: String = "", handler: @escaping @Sendable (Request) -> Response,
        _ body: (FakeVendorServer) async throws -> Result
    ) async throws -> Result {
        let server = Mutex<FakeVendorServer?>(nil)
        let router = Router()
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on("**", method: method) { request, _ in
                guard let server = server.withLock({ $0 }) else { return Hummingbird.Response(status: .serviceUnavailable) }
                return try await server.serve(request)
            }
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fake-vendor")
        logger.logLevel = .critical  // the server's own lines are noise in tests and chaos runs
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
        let fake = FakeVendorServer(port: port, pathPrefix: pathPrefix, handler: handler)
        server.withLock { $0 = fake }
        let result = try await body(fake)
        await group.triggerGracefulShutdown()
        try await running.value
        return result
    }

    /// Serves `fault` instead of (or before) the next `times` requests that `matches` accepts.
    public func inject(_ fault: Fault, times: Int = 1, when matches: @escaping @Sendable (Request) -> Bool = { _ in true }) {
        state.withLock { state in
            for _ in 0..<times { state.faults.append((matches, fault)) }
        }
    }

    /// Serves `fault` instead of (or before) every request that `matches` accepts until `deadline`: an outage, or a
    /// slow or broken spell, of a given length.
    public func inject(_ fault: Fault, until deadline: ContinuousClock.Instant, when matches: @escaping @Sendable (Request) -> Bool = { _ in true }) {
        state.withLock { $0.windows.append((deadline, matches, fault)) }
    }

    /// Every request so far, in arrival order.
    public var requests: [Request] { state.withLock { $0.requests } }

    private func serve(_ incoming: Hummingbird.Request) async throws -> Hummingbird.Response {
        var headers: [String: String] = [:]
        for field in incoming.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let body = try await incoming.body.collect(upTo: 8 << 20)
        let request = Request(
            method: incoming.method.rawValue,
            path: incoming.uri.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) },
            query: Self.decodeQuery(incoming.uri.query ?? ""), headers: headers, body: Array(buffer: body))
        let fault = state.withLock { state -> Fault? in
            state.requests.append(request)
            if let index = state.faults.firstIndex(where: { $0.matches(request) }) { return state.faults.remove(at: index).fault }
            let now = ContinuousClock.now
            state.windows.removeAll { $0.until <= now }
            return state.windows.first { $0.matches(request) }?.fault
        }
        var response: Response
        switch fault {
        case .respond(let injected)?:
            response = injected
        case .delay(let duration)?:
            try await Task.sleep(for: duration)
            response = handler(request)
        case nil:
            response = handler(request)
        }
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Hummingbird.Response(status: .init(code: response.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: response.body)))
    }

    public static func decodeQuery(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ") }
            guard let name = parts.first?.removingPercentEncoding else { continue }
            result[name] = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
        }
        return result
    }
}
