/// What one scenario did and what its checks found: a row of the summary table.
struct ScenarioResult {
    var scenario: ChaosScenario
    var commandsSent = 0
    var workersKilled = 0
    var workersStopped = 0
    var brokerFaults = 0
    var report: InvariantReport
    var badSent = 0
    /// Bad commands found in the dead-letter topic with a reason.
    var badRejected = 0
    var crashes: [String] = []
    /// The scenario's own checks that failed.
    var failedChecks: [String] = []
    var notes: [String] = []

    var passed: Bool { report.holds && crashes.isEmpty && badRejected == badSent && failedChecks.isEmpty }

    /// The summary table, one row per scenario.
    static func table(_ results: [ScenarioResult]) -> String {
        var lines = [
            "| scenario | commands sent | workers killed / stopped | broker faults | lost terminal events | extra terminal events | sequence gaps | conflicting duplicate ids | identical repeats | duplicate triggers | cancels ended cancelled / sent (ignored) | bad inputs rejected / sent | worker crashes | result |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for result in results {
            let report = result.report
            lines.append("| \(result.scenario.rawValue) | \(result.commandsSent) | \(result.workersKilled) / \(result.workersStopped) | \(result.brokerFaults) | "
                + "\(report.lostTerminal) | \(report.extraTerminal) | \(report.sequenceGaps) | \(report.conflictingIDs) | \(report.identicalRepeats) | "
                + "\(report.duplicateTriggers) | \(report.cancelsEndedCancelled) / \(report.cancelsSent) (\(report.cancelsIgnored)) | "
                + "\(result.badRejected) / \(result.badSent) | \(result.crashes.count) | \(result.passed ? "pass" : "**FAIL**") |")
        }
        return lines.joined(separator: "\n")
    }
}
