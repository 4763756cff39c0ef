import CRdKafka
import Synchronization

/// `rd_kafka_topic_t` handles by name, created once per topic.
///
/// Producing by topic *name* makes librdkafka look the topic up under the client's write lock for every record;
/// a cached handle avoids that. Handles live until ``destroyAll()``, which the owner calls before destroying the
/// client.
final class TopicHandleCache: Sendable {
    /// `OpaquePointer` is not `Sendable`; librdkafka topic handles are thread-safe, and each is only destroyed
    /// in `destroyAll()` after the last use.
    private struct Handles: @unchecked Sendable {
        var byName: [String: OpaquePointer] = [:]
        /// The last topic asked for: producers mostly write to one topic at a time, and comparing a name is cheaper
        /// than hashing it.
        var last: (name: String, handle: OpaquePointer)?
    }

    private struct Handle: @unchecked Sendable {
        var pointer: OpaquePointer
    }

    private let handles = Mutex(Handles())

    func handle(for topic: String, client: OpaquePointer) -> OpaquePointer? {
        let handle: Handle? = handles.withLock { handles in
            if let last = handles.last, last.name == topic { return Handle(pointer: last.handle) }
            let handle: OpaquePointer
            if let known = handles.byName[topic] {
                handle = known
            } else {
                guard let created = rd_kafka_topic_new(client, topic, nil) else { return nil }
                handle = created
                handles.byName[topic] = created
            }
            handles.last = (topic, handle)
            return Handle(pointer: handle)
        }
        return handle?.pointer
    }

    func destroyAll() {
        let all = handles.withLock { handles in
            defer {
                handles.byName.removeAll()
                handles.last = nil
            }
            return handles.byName.values.map(Handle.init(pointer:))
        }
        for handle in all { rd_kafka_topic_destroy(handle.pointer) }
    }
}
