import CRdKafka

/// An error reported by librdkafka or by this module's use of it.
///
/// A `struct` with a ``Code`` so new codes never break callers. `isRetriable` says whether repeating the
/// same operation may succeed; `isFatal` says the client instance is unusable and must be recreated
/// (for example an idempotent producer that lost its producer id).
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A librdkafka `rd_kafka_resp_err_t`: negative values are client-side, positive ones are broker error codes.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        init(_ error: rd_kafka_resp_err_t) { self.rawValue = error.rawValue }
        var cValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

        /// librdkafka's symbolic name, e.g. `NOT_LEADER_FOR_PARTITION` or `_TRANSPORT`.
        public var name: String { String(cString: rd_kafka_err2name(cValue)) }
        public var description: String { name }

        public static let noError = Code(RD_KAFKA_RESP_ERR_NO_ERROR)
        public static let badMessage = Code(RD_KAFKA_RESP_ERR__BAD_MSG)
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        public static let partitionEOF = Code(RD_KAFKA_RESP_ERR__PARTITION_EOF)
        public static let unknownPartition = Code(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        public static let destroyed = Code(RD_KAFKA_RESP_ERR__DESTROY)
        public static let notImplemented = Code(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED)
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        public static let messageSizeTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        public static let leaderNotAvailable = Code(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
        public static let notLeaderForPartition = Code(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        public static let requestTimedOut = Code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
        public static let networkException = Code(RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION)
        public static let coordinatorLoadInProgress = Code(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        public static let coordinatorNotAvailable = Code(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
        public static let notCoordinator = Code(RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
        public static let notEnoughReplicas = Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
        public static let notEnoughReplicasAfterAppend = Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND)
        public static let rebalanceInProgress = Code(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
        public static let unknownMemberID = Code(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
        public static let illegalGeneration = Code(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION)

        /// Codes for which repeating the request can succeed without changing it.
        static let retriable: Set<Code> = [
            .transport, .allBrokersDown, .messageTimedOut, .timedOut, .queueFull, .leaderNotAvailable,
            .notLeaderForPartition, .requestTimedOut, .networkException, .coordinatorLoadInProgress,
            .coordinatorNotAvailable, .notCoordinator, .notEnoughReplicas, .notEnoughReplicasAfterAppend,
            .rebalanceInProgress,
        ]
    }

    public var code: Code

    /// No broker answered in time: nothing listens at the bootstrap address, or nothing that speaks Kafka.
    public var isNoBrokerAnswer: Bool { [.timedOut, .transport, .allBrokersDown].contains(code) }

    /// A readable explanation (librdkafka's own text when it gave one). Never contains configuration values.
    public var message: String
    public var isRetriable: Bool
    public var isFatal: Bool

    public init(code: Code, message: String? = nil, isRetriable: Bool? = nil, isFatal: Bool = false) {
        self.code = code
        self.message = message ?? String(cString: rd_kafka_err2str(code.cValue))
        self.isRetriable = isRetriable ?? Code.retriable.contains(code)
        self.isFatal = isFatal
    }

    init(_ error: rd_kafka_resp_err_t, message: String? = nil) {
        self.init(code: Code(error), message: message)
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: Code(rd_kafka_error_code(error)),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0
        )
    }

    /// A configuration or usage error detected before librdkafka was called.
    static func invalidArgument(_ message: String) -> KafkaError {
        KafkaError(code: .invalidArgument, message: message, isRetriable: false)
    }

    public var description: String { "\(code.name): \(message)" }
}

extension KafkaError {
    /// Throws when `error` is not `RD_KAFKA_RESP_ERR_NO_ERROR`.
    static func check(_ error: rd_kafka_resp_err_t, _ context: @autoclosure () -> String) throws(KafkaError) {
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        let code = Code(error)
        throw KafkaError(code: code, message: "\(context()): \(String(cString: rd_kafka_err2str(error)))")
    }

    /// Throws when librdkafka returned an `rd_kafka_error_t`, which this call destroys.
    static func check(_ error: OpaquePointer?) throws(KafkaError) {
        if let error { throw KafkaError(consuming: error) }
    }
}
