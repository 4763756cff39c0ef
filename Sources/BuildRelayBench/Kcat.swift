import Foundation

/// The `kcat` reference client, run as a separate process.
enum Kcat {
    static var path: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/kcat" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs kcat to completion with its output discarded; throws on a non-zero exit.
    static func run(_ kcat: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kcat)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.standardError
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure("kcat \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }

    /// A temporary file of `count` lines `INDEX:PAYLOAD`, for `kcat -P -l -K :`.
    static func writeLines(count: Int, payload: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("buildrelay-bench-\(UUID().uuidString).txt")
        var chunk = [UInt8]()
        chunk.reserveCapacity((payload.count + 16) * 10_000)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var written = 0
        while written < count {
            chunk.removeAll(keepingCapacity: true)
            for index in written..<written + min(10_000, count - written) {
                chunk.append(contentsOf: String(index).utf8)
                chunk.append(UInt8(ascii: ":"))
                chunk.append(contentsOf: payload)
                chunk.append(UInt8(ascii: "\n"))
            }
            written += min(10_000, count - written)
            try handle.write(contentsOf: chunk)
        }
        return url
    }
}
