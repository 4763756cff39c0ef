import Foundation

/// Runs `schemas/validate.py` (Python's `jsonschema`, draft 2020-12).
public enum PythonJSONSchema {
    public static var isAvailable: Bool {
        (try? run(["-c", "import jsonschema"]).status) == 0
    }

    public static func validate(schema: String, lines: String) throws -> (status: Int32, output: String) {
        try run(["schemas/validate.py", "schemas/\(schema)", "-"], input: lines)
    }

    public static func validate(schema: String, files: [String]) throws -> (status: Int32, output: String) {
        try run(["schemas/validate.py", "schemas/\(schema)"] + files)
    }

    private static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let child = try ChildProcess(
            "/usr/bin/env", ["python3"] + arguments, directory: repositoryRoot.path, input: input != nil, output: .pipe, errorToOutput: true)
        if let input { child.writeInput(Array(input.utf8)) }
        let output = child.readOutput()
        return (child.waitForExit(), String(decoding: output, as: UTF8.self))
    }

}
