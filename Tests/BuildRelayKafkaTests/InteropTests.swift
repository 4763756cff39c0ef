import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Testing

/// Other clients on the same broker (the embedded one, or Tansu in the second lane of `make test`).
@Suite("Interoperability with kcat", .enabled(if: ProcessRunner.kcat != nil, "kcat is not installed (make test installs it with apt-get)"), .timeLimit(.minutes(3)))
struct InteropTests {
    @Test("kcat produces keyed records to the embedded broker and our consumer reads them")
    func kcatProducesWeConsume() async throws {
        let (cluster, topic) = try brokerWithTopic("from-kcat", partitions: 4)
        let lines = (0..<200).map { "key-\($0):value-\($0)" }.joined(separator: "\n") + "\n"
        let result = try await ProcessRunner.run(try #require(ProcessRunner.kcat), ["-P", "-b", cluster.bootstrapServers, "-t", topic, "-K", ":"], input: Data(lines.utf8))
        #expect(result.status == 0)

        let consumer = try makeConsumer(cluster, group: uniqueName("group"))
        try consumer.subscribe(topics: [topic])
        let messages = try await withDeadline(60, "consume kcat records") { await consumer.events.collect { $0.count >= 200 } }
        let pairs = Set(messages.map { "\(String(decoding: $0.key!, as: UTF8.self)):\(String(decoding: $0.value!, as: UTF8.self))" })
        #expect(pairs == Set((0..<200).map { "key-\($0):value-\($0)" }))
        await consumer.close()
    }

    @Test("our producer's records, keys and headers are read back by kcat")
    func weProduceKcatConsumes() async throws {
        let (cluster, topic) = try brokerWithTopic("to-kcat", partitions: 4)
        let producer = try makeProducer(cluster)
        try await producer.enqueue(contentsOf: (0..<200).map {
            KafkaProducerRecord(topic: topic, key: Array("key-\($0)".utf8), value: Array("value-\($0)".utf8), headers: [KafkaHeader(name: "n", string: "\($0)")])
        })
        try await producer.flush(timeout: .seconds(30))
        await producer.close()

        let result = try await ProcessRunner.run(try #require(ProcessRunner.kcat), [
            "-C", "-b", cluster.bootstrapServers, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k=%s;%h\n",
        ])
        #expect(result.status == 0)
        let lines = Set(result.output.split(separator: "\n").map(String.init))
        #expect(lines == Set((0..<200).map { "key-\($0)=value-\($0);n=\($0)" }))
    }
}
