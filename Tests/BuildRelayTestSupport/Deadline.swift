/// Runs `body` with a deadline: a hang becomes a test failure instead of a stuck suite.
public func withDeadline<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let result = try await group.next()!, let value = Optional(result) else {
            throw DeadlineExceeded(what: what, seconds: seconds)
        }
        return value
    }
}

/// Waits until `condition` holds, checking every 20 ms; throws ``DeadlineExceeded`` after `seconds`.
public func waitUntil(_ what: String, seconds: Double = 60, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw DeadlineExceeded(what: what, seconds: seconds) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var what: String
    public var seconds: Double
    public var description: String { "\(what) did not happen within \(seconds) s" }
}
