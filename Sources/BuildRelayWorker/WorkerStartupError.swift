/// The worker cannot start with this configuration or these topics (the command line exits 2).
public struct WorkerStartupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
