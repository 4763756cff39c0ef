import Foundation

/// Finds the program of a `process` command as `execvp` will, to say before a build (and in `config check`) that it
/// cannot start: a name with a `/` is a path (relative to the working directory), any other is searched in `PATH`.
public enum ProgramLookup {
    /// Why `program` cannot be started from `workingDirectory` with `path` (the `PATH` value), or `nil` when it can.
    public static func problem(
        program: String, workingDirectory: String?, path: String? = ProcessInfo.processInfo.environment["PATH"]
    ) -> String? {
        guard !program.isEmpty else { return "no program given" }
        if program.contains("/") {
            let base = workingDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            let file = program.hasPrefix("/") ? program : base.appendingPathComponent(program).path
            return problem(file: file, shown: program.hasPrefix("/") ? program : "\(program) (in \(base.path))")
        }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let file = "\(directory)/\(program)"
            if problem(file: file, shown: file) == nil { return nil }
        }
        return "\(program) is not in PATH"
    }

    private static func problem(file: String, shown: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else { return "\(shown) not found" }
        guard !isDirectory.boolValue else { return "\(shown) is a directory" }
        guard access(file, X_OK) == 0 else { return "\(shown) is not executable (chmod +x)" }
        return nil
    }
}
