import CRdKafka
import Foundation
import Logging

/// State reached from librdkafka's C callbacks through the client's opaque pointer.
///
/// The owning ``RdKafkaClient`` keeps this object alive until after `rd_kafka_destroy` returns, so a
/// callback never sees a dangling pointer. Subclasses add producer- or consumer-specific callbacks.
/// `@unchecked Sendable`: every stored property is immutable and itself thread-safe; subclasses document theirs.
class RdKafkaClientContext: @unchecked Sendable {
    let logger: Logger
    let onStatistics: (@Sendable (KafkaStatistics) -> Void)?

    init(logger: Logger, onStatistics: (@Sendable (KafkaStatistics) -> Void)?) {
        self.logger = logger
        self.onStatistics = onStatistics
    }

    /// Installs the callbacks a subclass needs on `conf`, before the client is created.
    func installCallbacks(on conf: OpaquePointer) {}

    /// librdkafka log lines (syslog levels) into swift-log. Called on librdkafka's internal threads.
    func log(level: Int32, facility: UnsafePointer<CChar>?, message: UnsafePointer<CChar>?) {
        let swiftLevel: Logger.Level = switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
        guard logger.logLevel <= swiftLevel else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let facilityText = facility.map { String(cString: $0) } ?? ""
        logger.log(level: swiftLevel, "\(text)", metadata: ["librdkafka.facility": "\(facilityText)"])
    }

    /// Client-level errors (`error_cb`): usually transient (broker down); librdkafka retries by itself.
    func clientError(client: OpaquePointer?, code: Int32, reason: String) {
        let error = rd_kafka_resp_err_t(rawValue: code)
        if error == RD_KAFKA_RESP_ERR__FATAL, let client {
            var text = [CChar](repeating: 0, count: 512)
            let original = rd_kafka_fatal_error(client, &text, text.count)
            let message = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            logger.critical("fatal Kafka client error", metadata: [
                "kafka.error": "\(KafkaError.Code(original).name)", "kafka.reason": "\(message)",
            ])
        } else if error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN {
            logger.warning("all Kafka brokers are down", metadata: ["kafka.reason": "\(reason)"])
        } else {
            logger.debug("Kafka client error", metadata: [
                "kafka.error": "\(KafkaError.Code(error).name)", "kafka.reason": "\(reason)",
            ])
        }
    }

    func statistics(_ json: UnsafeRawBufferPointer) {
        guard let onStatistics else { return }
        do {
            onStatistics(try KafkaStatistics(json: Data(json)))
        } catch {
            logger.debug("unparseable librdkafka statistics", metadata: ["error": "\(error)"])
        }
    }
}
