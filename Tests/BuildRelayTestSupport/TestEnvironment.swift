import Foundation
import Logging

/// The repository's root directory (tests run scripts and read files from it).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Loggers for tests: silent unless `BUILDRELAY_TEST_LOG_LEVEL` names a level, so failures stay readable.
public func testLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["BUILDRELAY_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}

/// Group settings that make the mock cluster rebalance in seconds instead of a minute.
public let fastGroupProperties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]

public func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }
