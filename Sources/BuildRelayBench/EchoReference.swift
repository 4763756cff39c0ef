import Foundation

/// The latency reference: a confluent-kafka (Python, librdkafka underneath) consumer in a group on the commands
/// topic that answers each command at once with one status-sized record keyed like it, through an idempotent
/// producer. It has the worker's Kafka path without its work: no build manager call and no state record before
/// the event. It runs as a child process with the same broker settings as the worker under test.
final class EchoReference {
    private let process = Process()

    /// `fetchWaitMilliseconds` and `lingerMilliseconds` are the worker's (`fetch.wait.max.ms`, and the `linger.ms`
    /// of its producer).
    init(bootstrap: String, commands: String, status: String, group: String, fetchWaitMilliseconds: Int, lingerMilliseconds: Int) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, bootstrap, commands, status, group, String(fetchWaitMilliseconds), String(lingerMilliseconds)]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// SIGKILL: the echo has nothing to finish, and it inherits this process's blocked signals (SIGTERM among them).
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Python's confluent-kafka, installed by `make bench` (it is the Tansu lane's librdkafka 2.16 too).
    private static let script = #"""
        import sys
        import confluent_kafka as ck
        bootstrap, commands, status, group, fetch_wait, linger = sys.argv[1:7]
        consumer = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                                "fetch.wait.max.ms": fetch_wait, "session.timeout.ms": "6000", "heartbeat.interval.ms": "1000",
                                "enable.auto.commit": "true"})
        producer = ck.Producer({"bootstrap.servers": bootstrap, "enable.idempotence": "true", "acks": "all",
                                "linger.ms": linger, "partitioner": "murmur2_random"})
        value = b'{"specversion":"1.0","type":"dev.buildrelay.build.status.v1","data":{"status":"accepted"}}'.ljust(420)
        consumer.subscribe([commands])
        while True:
            message = consumer.poll(0.1)
            if message is not None and message.error() is None:
                producer.produce(status, key=message.key(), value=value)
            producer.poll(0)
        """#
}
