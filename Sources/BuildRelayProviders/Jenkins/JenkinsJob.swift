/// A job's `/api/json`, read for its `builds` (each entry what the request's `tree` asked for).
struct JenkinsJob<Build: Decodable>: Decodable {
    var builds: [Build]?
}
