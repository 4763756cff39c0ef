import ArgumentParser
import BuildRelayApp
import BuildRelayCore
import BuildRelayKafka
import BuildRelayWorker

/// Reading `build.state` from the command line (`status`, `builds`): no worker is needed, only read access.
struct StateTopicOptions: ParsableArguments {
    @OptionGroup var target: KafkaTargetOptions

    @Flag(help: "Print JSON (schemas/build-summary.schema.json) instead of text.")
    var json = false

    /// The summaries left by the records of the partitions `choose` picks.
    func summaries(choosing choose: @escaping @Sendable (_ partitionCount: Int) -> [Int32]) async throws -> [BuildSummary] {
        let configuration = try await target.load()
        let logger = CommandLogging.bootstrap(label: "buildrelay.state", level: .warning)
        let reader = StateLogReader(topic: configuration.topics.state, client: target.client(configuration), logger: logger)
        do {
            return BuildSummary.latest(of: try await reader.read(choosing: choose))
        } catch let error as KafkaError where error.code == .unknownTopicOrPartition {
            throw UsageError(message: "topic \(configuration.topics.state) does not exist")
        } catch let error as KafkaError where error.isNoBrokerAnswer {
            throw KafkaUnreachableError(bootstrapServers: configuration.bootstrapServers, error: error)
        }
    }
}
