import Logging

/// Logging for command-line subcommands: swift-log to standard error, so standard output stays machine-readable.
enum CommandLogging {
    static func bootstrap(label: String, level: Logger.Level = .info) -> Logger {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
