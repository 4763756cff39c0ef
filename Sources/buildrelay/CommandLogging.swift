import BuildRelayApp
import BuildRelayCore
import Logging

/// Logging for command-line subcommands: swift-log to standard error, so standard output stays machine-readable.
enum CommandLogging {
    static func bootstrap(label: String, level: Logger.Level = .info) -> Logger {
        LoggingSystem.bootstrap({ TextLogHandler(label: $0, metadataProvider: $1) }, metadataProvider: .providerCall)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// `logging.format` (json or text) and `logging.level` from the configuration.
    static func bootstrap(label: String, configuration: BuildRelayConfiguration) -> Logger {
        // Lines logged during a provider call (the provider's own too) carry its requestId, buildId, queue, provider.
        if configuration.logFormat == "json" {
            LoggingSystem.bootstrap({ JSONLogHandler(label: $0, metadataProvider: $1) }, metadataProvider: .providerCall)
        } else {
            LoggingSystem.bootstrap({ TextLogHandler(label: $0, metadataProvider: $1) }, metadataProvider: .providerCall)
        }
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
    }
}
