/// What the build does with a change: `validate` (test it) or `apply` (test and land it).
public enum ChangeAction: String, Sendable, Hashable, CaseIterable, Codable {
    case apply
    case validate
}
