/// The part of a Jenkins queue item (`/queue/item/{id}/api/json`) BuildRelay reads.
struct JenkinsQueueItem: Decodable {
    struct Executable: Decodable {
        var number: Int
        var url: String?
    }

    var id: Int
    var cancelled: Bool?
    /// Set once the build started.
    var executable: Executable?
    /// Why it still waits ("Waiting for next available executor").
    var why: String?
}
