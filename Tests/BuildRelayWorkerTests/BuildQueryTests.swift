import AsyncHTTPClient
import BuildRelayApp
import BuildRelayCore
import BuildRelayTestSupport
import Foundation
import Synchronization
import Testing

/// "Where is request X, and since when?": a worker's `/builds` endpoints, and `buildrelay status` / `builds`,
/// which read `build.state` without any worker.
@Suite(.timeLimit(.minutes(3)))
struct BuildQueryTests {
    func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 4 << 20)))
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    func requestIDs(_ list: [String: Any]) throws -> [String] {
        try #require(list["builds"] as? [[String: Any]]).compactMap { $0["requestId"] as? String }
    }

    @Test("a running, a finished and a cancelled build, asked of the owner's /builds and of build.state with status and builds")
    func whereIsEachBuild() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let port = Mutex<Int?>(nil)
        let running = RunningWorker(try WorkerServices(
            worker: harness.configuration(), httpHost: "127.0.0.1", httpPort: 0, logger: testLogger("worker"),
            onListening: { bound in port.withLock { $0 = bound } }))
        try await running.waitUntilReady()
        let http = try #require(port.withLock { $0 })

        try await harness.trigger("where-long", queue: "sim-long", metadata: ["author": "kim"])
        try await harness.trigger("where-fast", queue: "fast")
        try await harness.trigger("where-cancelled", queue: "sim-long")
        try await reader.waitForStatus("where-long", "running")
        try await reader.waitForStatus("where-cancelled", "running")
        try await harness.send(json: #"{"type":"cancel","requestId":"where-cancelled","reason":"superseded by mq-12"}"#, key: "where-cancelled")
        _ = try await reader.waitForTerminal("where-fast")
        _ = try await reader.waitForTerminal("where-cancelled")

        // The owner's view.
        let inFlight = try await get(http, "/builds")
        #expect(inFlight.status == 200)
        #expect(try requestIDs(object(inFlight.body)) == ["where-long"])
        let long = try object(try await get(http, "/builds/where-long").body)
        #expect(long["status"] as? String == "running")
        #expect(long["queue"] as? String == "sim-long")
        #expect(long["partition"] as? Int == Int(HomePartition.of(RequestID(rawValue: "where-long")!, partitionCount: harness.partitions)))
        #expect((long["metadata"] as? [String: String])?["author"] == "kim")
        #expect(try requestIDs(object(try await get(http, "/builds?status=succeeded").body)) == ["where-fast"])
        #expect(try requestIDs(object(try await get(http, "/builds?status=all").body)).sorted() == ["where-cancelled", "where-fast", "where-long"])
        #expect(try await get(http, "/builds?status=done").status == 400)
        #expect(try await get(http, "/builds/nobody-owns-this").status == 404)
        if PythonJSONSchema.isAvailable {
            let answers = [inFlight.body, try await get(http, "/builds/where-long").body, try await get(http, "/builds?status=all").body]
            let result = try await PythonJSONSchema.validate(schema: "build-summary.schema.json", lines: answers.joined(separator: "\n"))
            #expect(result.status == 0, "\(result.output)")
        }

        // From build.state, with no worker involved.
        let target = harness.commandLineTarget
        let status = try await ProcessRunner.run(executable, ["status", "where-long"] + target)
        #expect(status.status == 0)
        #expect(status.output.hasPrefix("where-long: running since 20"), "\(status.output)")
        #expect(status.output.contains("sim-long"), "\(status.output)")
        let statusJSON = try object(try await ProcessRunner.run(executable, ["status", "where-long", "--json"] + target).output)
        #expect(statusJSON["status"] as? String == "running")
        #expect(statusJSON["partition"] as? Int == long["partition"] as? Int)
        #expect(statusJSON["statusSince"] as? String == long["statusSince"] as? String)
        let cancelled = try await ProcessRunner.run(executable, ["status", "where-cancelled"] + target)
        #expect(cancelled.output.contains("where-cancelled: cancelled since"), "\(cancelled.output)")
        #expect(cancelled.output.contains("requested: superseded by mq-12"), "\(cancelled.output)")
        let unknown = try await ProcessRunner.run(executable, ["status", "nobody-knows-this"] + target, includeStandardError: true)
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("nobody-knows-this: unknown"), "\(unknown.output)")

        let builds = try await ProcessRunner.run(executable, ["builds"] + target)
        #expect(builds.status == 0)
        #expect(builds.output.hasPrefix("REQUEST ID"), "\(builds.output)")
        #expect(builds.output.contains("where-long"))
        #expect(!builds.output.contains("where-fast") && !builds.output.contains("where-cancelled"), "\(builds.output)")
        let finished = try object(try await ProcessRunner.run(executable, ["builds", "--status", "succeeded", "--status", "cancelled", "--json"] + target).output)
        #expect(try requestIDs(finished).sorted() == ["where-cancelled", "where-fast"])
        #expect(try await ProcessRunner.run(executable, ["builds", "--queue", "fast"] + target).output == "no builds in flight\n")
        #expect(try await ProcessRunner.run(executable, ["builds", "--status", "later"] + target, includeStandardError: true).status == 2)

        await running.stop()
        await reader.close()
    }
}
