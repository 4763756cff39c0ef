/// A command from `build.commands`.
public enum BuildCommand: Sendable, Hashable {
    case trigger(TriggerCommand)
    case cancel(CancelCommand)
    case refresh(RefreshCommand)

    public var requestID: RequestID {
        switch self {
        case .trigger(let command): command.requestID
        case .cancel(let command): command.requestID
        case .refresh(let command): command.requestID
        }
    }
}
