import BuildRelayCore

extension BuildManager {
    /// Runs `body` with this manager, then closes it, also when `body` throws: a vendor manager's HTTP client released
    /// without being shut down stops a debug build (AsyncHTTPClient asserts), which would end the whole test run
    /// instead of failing one test.
    public func closing(after body: (Self) async throws -> Void) async throws {
        do {
            try await body(self)
        } catch {
            try? await close()
            throw error
        }
        try await close()
    }
}
