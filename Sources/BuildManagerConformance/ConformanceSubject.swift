import BuildRelayCore

/// A provider under the conformance checks: how to get a manager (with whatever it talks to, such as a fake vendor
/// server, running around it) and what its builds can do.
public struct ConformanceSubject: Sendable, CustomStringConvertible {
    public var name: String
    /// A triggered build stays non-terminal long enough to be cancelled (a `noop` build finishes at once).
    public var hasNonTerminalBuilds: Bool
    /// Runs `body` with a new manager and closes it afterwards.
    public var withManager: @Sendable (_ body: @Sendable (any BuildManager) async throws -> Void) async throws -> Void

    public var description: String { name }

    public init(
        name: String, hasNonTerminalBuilds: Bool,
        withManager: @escaping @Sendable (_ body: @Sendable (any BuildManager) async throws -> Void) async throws -> Void
    ) {
        self.name = name
        self.hasNonTerminalBuilds = hasNonTerminalBuilds
        self.withManager = withManager
    }

    /// A subject whose managers need nothing around them.
    public init(name: String, hasNonTerminalBuilds: Bool, make: @escaping @Sendable () -> any BuildManager) {
        self.init(name: name, hasNonTerminalBuilds: hasNonTerminalBuilds) { body in
            let manager = make()
            try await body(manager)
            try await manager.close()
        }
    }
}
