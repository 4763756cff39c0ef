/// String key–value pairs about a build: the command's metadata, merged with what the provider reports (such as
/// `url`). In events, provider keys win over the command's.
public struct BuildMetadata: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    public var entries: [String: String]

    public init(_ entries: [String: String] = [:]) { self.entries = entries }
    public init(dictionaryLiteral elements: (String, String)...) {
        self.entries = Dictionary(elements, uniquingKeysWith: { $1 })
    }

    public subscript(key: String) -> String? {
        get { entries[key] }
        set { entries[key] = newValue }
    }

    /// `self` with `other`'s entries added; `other` wins on equal keys.
    public func merging(_ other: BuildMetadata) -> BuildMetadata {
        BuildMetadata(entries.merging(other.entries) { _, provider in provider })
    }
}
