/// One change in a build, in the order the caller gave.
public struct BuildChange: Sendable, Hashable {
    /// Where the change lives (e.g. `github://acme/api/pull/123/<sha>`); 1–100 non-empty strings.
    public var uris: [String]
    /// What the build does with it; `validate` unless the command said otherwise.
    public var action: ChangeAction

    public init(uris: [String], action: ChangeAction = .validate) {
        self.uris = uris
        self.action = action
    }
}
