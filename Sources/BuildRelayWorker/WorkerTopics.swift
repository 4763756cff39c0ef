/// The topics a worker uses (`topics.*`), with the contract's defaults.
public struct WorkerTopics: Sendable, Hashable {
    public var commands = "build.commands"
    public var status = "build.status"
    /// Same partition count as ``commands``; a build's records go to its command's partition number.
    public var state = "build.state"
    public var deadLetter = "build.commands.dlq"

    public init() {}

    public var all: [String] { [commands, status, state, deadLetter] }
}
