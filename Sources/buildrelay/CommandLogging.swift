import BuildRelayApp
import BuildRelayCore
import Logging

/// Logging for command-line subcommands: swift-log to standard error, so standard output stays machine-readable.
enum CommandLogging {
    static func bootstrap(label: String, level: Logger.Level = .info) -> Logger {
        LoggingSystem.bootstrap({ LineLogHandler(label: $0, format: .text, metadataProvider: $1) }, metadataProvider: .providerCall)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// `logging.format` (json or text) and `logging.level` from the configuration.
    static func bootstrap(label: String, configuration: BuildRelayConfiguration) -> Logger {
        // Lines logged during a provider call (the provider's own too) carry its requestId, buildId, queue, provider.
        let format: LineLogHandler.Format = configuration.logFormat == "json" ? .json : .text
        LoggingSystem.bootstrap({ LineLogHandler(label: $0, format: format, metadataProvider: $1) }, metadataProvider: .providerCall)
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
    }
}
