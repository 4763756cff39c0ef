/// Asynchronous work of one partition assignment whose completion a revoke of the partition waits for: the
/// partition's next owner must find everything it caused either durable or not begun.
///
/// Status polls are not in it: a poll changes nothing until its outcome is applied, and a revoked partition's
/// outcomes are dropped.
enum InFlightWork: Hashable, Sendable {
    /// A `trigger` or `cancel` call on the build's provider.
    case providerCall(RequestID)
    case stateRecord(RequestID)
    case statusEvent(RequestID)
    case tombstone(RequestID)
    /// The dead-letter copy of the command at this offset.
    case deadLetter(offset: Int64)
    /// The forwarded copy of the command at this offset.
    case forward(offset: Int64)

    /// The request id whose one activity this is; `nil` for work about a command record rather than a build.
    var activityOf: RequestID? {
        switch self {
        case .providerCall(let id), .stateRecord(let id), .statusEvent(let id): id
        case .tombstone, .deadLetter, .forward: nil
        }
    }
}
