/// A ``BuildManagerConformance`` check that did not hold: which, for which subject, and what was seen.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public var check: BuildManagerConformance.Check
    public var subject: String
    public var message: String

    public var description: String { "\(subject) breaks \"\(check.summary)\": \(message)" }
}
