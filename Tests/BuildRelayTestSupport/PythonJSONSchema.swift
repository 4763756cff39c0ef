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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = repositoryRoot
        let output = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
