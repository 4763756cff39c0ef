/// What the worker engine needs from its message broker. The Kafka implementation lives outside the core module.
///
/// Completions are called exactly once, on any thread, never before the method returned and never while the
/// engine holds its lock; a non-nil error means the record was not stored and will not be (the engine treats that
/// as fatal: it stops, so that a healthy worker takes over from the last durable state). They run in rounds: after
/// one or more completions, the same thread runs the handler given to ``afterEachCompletionRound(_:)``, so the
/// engine applies a round's acknowledgements together.
public protocol WorkerTransport: Sendable {
    /// Registers what runs after each round of completions (see above). Called once, before any record is sent.
    func afterEachCompletionRound(_ handler: @escaping @Sendable () -> Void)

    /// Appends to the state topic; `completion` runs once the broker acknowledged the record.
    /// Records of one partition are stored in the order they were appended.
    func appendState(_ record: StateLogRecord, completion: @escaping @Sendable ((any Error)?) -> Void)

    /// Publishes a status event; `completion` runs once the broker acknowledged it.
    /// Records with one key are stored in the order they were published.
    func publishStatus(_ record: StatusRecord, completion: @escaping @Sendable ((any Error)?) -> Void)

    /// Writes a rejected command to the dead-letter topic; `completion` runs once the broker acknowledged it.
    func publishDeadLetter(_ record: DeadLetterRecord, completion: @escaping @Sendable ((any Error)?) -> Void)

    /// Copies a command consumed off its home partition to `partition` of the commands topic, with the same key
    /// and value and ``CommandRecord/forwardingHeaders``; `completion` runs once the broker acknowledged the copy.
    /// Commands forwarded to one partition are stored in the order they were forwarded.
    func forwardCommand(_ record: CommandRecord, to partition: Int32, completion: @escaping @Sendable ((any Error)?) -> Void)

    /// Every command before its partition's `nextOffset` is durably processed: those offsets may be committed.
    func commandsProcessed(_ nextOffsets: [Int32: Int64])

    /// Commits what ``commandsProcessed(_:)`` reported, and waits up to `timeout` for the broker (then throws).
    func commitProcessed(within timeout: Duration) async throws

    /// Stops fetching commands from these partitions until ``resume(partitions:)``.
    func pause(partitions: [Int32])
    func resume(partitions: [Int32])

    /// Every record of these state partitions from the start to the current end, in order per partition.
    func readStateLog(partitions: [Int32]) async throws -> [StateLogRecord]
}
