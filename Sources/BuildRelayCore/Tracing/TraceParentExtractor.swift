import Instrumentation

/// Hands a build's `traceparent` (the carrier itself) to a bootstrapped instrument, so that a provider call's span
/// joins the build's trace: the command's trace, kept in the build's state record.
struct TraceParentExtractor: Extractor {
    func extract(key: String, from traceparent: String) -> String? {
        key == "traceparent" ? traceparent : nil
    }
}
