import BuildRelayCore
import Testing

@Suite("traceparent")
struct TraceParentTests {
    @Test("new traces are well-formed version-00 sampled traceparents, all different")
    func randomTraces() {
        let traces = (0..<1000).map { _ in TraceParent.random() }
        for trace in traces {
            #expect(TraceParent.isValid(trace), "\(trace)")
            #expect(trace.hasPrefix("00-") && trace.hasSuffix("-01"), "\(trace)")
        }
        #expect(Set(traces).count == traces.count)
    }

    @Test("a child keeps its parent's trace id and flags with a new parent id")
    func child() {
        let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let child = TraceParent.child(of: parent)
        #expect(TraceParent.isValid(child))
        #expect(child.prefix(36) == parent.prefix(36) && child.suffix(3) == parent.suffix(3))
        #expect(child.dropFirst(36).prefix(16) != parent.dropFirst(36).prefix(16))
    }
}
