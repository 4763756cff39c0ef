/// A provider's identifier of a build (a Buildkite build number, a Jenkins queue item or build, a GitHub run id,
/// …), opaque to everyone but its provider.
public struct BuildID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}
