import CRdKafka

/// The librdkafka this process runs with. The binary is built against Debian's 2.0.2 and runs on any later
/// librdkafka of soname 1 (2.16 tested), chosen by the dynamic loader (`LD_LIBRARY_PATH`).
public enum Librdkafka {
    /// The loaded library's version, for example `2.0.2` or `2.16.0`.
    public static var version: String { String(cString: rd_kafka_version_str()) }
}
