import Foundation

/// Runs `schemas/validate.py` (Python's `jsonschema`, draft 2020-12).
public enum PythonJSONSchema {
    public static var isAvailable: Bool {
        guard let child = try? ChildProcess("/usr/bin/env", ["python3", "-c", "import jsonschema"], output: .pipe, errorToOutput: true) else { return false }
        _ = child.readOutput()
        return child.waitForExit() == 0
    }

    public static func validate(schema: String, lines: String) async throws -> (status: Int32, output: String) {
        try await run(["schemas/validate.py", "schemas/\(schema)", "-"], input: lines)
    }

    public static func validate(schema: String, files: [String]) async throws -> (status: Int32, output: String) {
        try await run(["schemas/validate.py", "schemas/\(schema)"] + files)
    }

    /// Runs a Python script of the repository, off Swift's cooperative threads.
    public static func run(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(
            "/usr/bin/env", ["python3"] + arguments, directory: repositoryRoot.path, input: input != nil, output: .pipe, errorToOutput: true)
        if let input { child.writeInput(Array(input.utf8)) }
        let (output, status) = await child.finish()
        return (status, String(decoding: output, as: UTF8.self))
    }

}
