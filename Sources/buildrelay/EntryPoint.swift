import ArgumentParser
import Foundation

/// Runs the command line with the contract's exit codes: 0 clean, 1 runtime failure, 2 bad usage or configuration.
@main
enum EntryPoint {
    static func main() async {
        do {
            var command = try BuildRelayCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exitCode as ExitCode {
            exit(exitCode.rawValue)
        } catch {
            let code = BuildRelayCommand.exitCode(for: error)
            if code == .success { BuildRelayCommand.exit(withError: error) }  // --help, --version
            let message = BuildRelayCommand.fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            exit(code == .validationFailure || error is UsageError ? 2 : 1)
        }
    }
}

/// A bad argument or configuration found after parsing; exits 2 with `message`.
struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
