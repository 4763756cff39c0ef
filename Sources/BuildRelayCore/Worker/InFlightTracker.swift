/// The ``InFlightWork`` of one partition assignment: begun when the engine emits the effect that starts it
/// (``EngineEffect/inFlightWork``), ended when its completion or outcome is applied, in exactly those two places.
///
/// Release builds count; debug builds also remember each piece of work, so ending work that was never begun fails
/// an assertion and ``violations(activity:)`` can compare the work with the builds' activities.
struct InFlightTracker {
    private(set) var count = 0
    #if DEBUG
    private var work: [InFlightWork: Int] = [:]
    #endif

    var isEmpty: Bool { count == 0 }

    mutating func begin(_ item: InFlightWork) {
        count += 1
        #if DEBUG
        work[item, default: 0] += 1
        #endif
    }

    mutating func end(_ item: InFlightWork) {
        #if DEBUG
        guard let begun = work[item] else {
            assertionFailure("in-flight work ended that was never begun: \(item)")
            return
        }
        work[item] = begun == 1 ? nil : begun - 1
        #endif
        count -= 1
    }

    #if DEBUG
    /// Pieces of work that break "a build has at most one activity", or that its activity does not explain.
    func violations(activity: (RequestID) -> TrackedBuild.Activity?) -> [String] {
        var problems: [String] = []
        var perBuild: [RequestID: Int] = [:]
        for (item, times) in work {
            guard let id = item.activityOf else { continue }
            perBuild[id, default: 0] += times
            let current = activity(id)
            let explained = switch (item, current) {
            case (.providerCall, .triggering?), (.providerCall, .cancelling?): true
            case (.stateRecord, .recording?): true
            case (.statusEvent, .publishing?): true
            default: false
            }
            if !explained { problems.append("\(item) in flight while the build is \(current.map { "\($0)" } ?? "forgotten")") }
        }
        for (id, activities) in perBuild where activities > 1 {
            problems.append("\(id) has \(activities) activities in flight")
        }
        return problems
    }
    #endif
}
