import CRdKafka

/// Builds an `rd_kafka_conf_t` from string properties and installs this module's callbacks.
enum RdKafkaConfigurationBuilder {
    /// Returns a new `rd_kafka_conf_t` owned by the caller (consumed by `rd_kafka_new` on success).
    ///
    /// An invalid property throws an error that names the key; a secret property's value never appears in it.
    static func make(
        _ properties: [(key: String, value: String, isSecret: Bool)], context: RdKafkaClientContext
    ) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError.invalidArgument("rd_kafka_conf_new failed") }
        var errorText = [CChar](repeating: 0, count: 512)
        for property in properties {
            let result = rd_kafka_conf_set(conf, property.key, property.value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                let reason = property.isSecret
                    ? (result == RD_KAFKA_CONF_UNKNOWN ? "unknown property" : "invalid value (redacted)")
                    : String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw KafkaError.invalidArgument("librdkafka property \(property.key): \(reason)")
            }
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { client, level, facility, message in
            guard let client, let opaque = rd_kafka_opaque(client) else { return }
            let context = Unmanaged<RdKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            context.log(level: level, facility: facility, message: message)
        }
        rd_kafka_conf_set_error_cb(conf) { client, error, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<RdKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            context.clientError(client: client, code: error, reason: reason.map { String(cString: $0) } ?? "")
        }
        rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
            guard let opaque, let json else { return 0 }
            let context = Unmanaged<RdKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            context.statistics(UnsafeRawBufferPointer(start: json, count: length))
            return 0  // librdkafka frees the buffer
        }
        context.installCallbacks(on: conf)
        return conf
    }
}
