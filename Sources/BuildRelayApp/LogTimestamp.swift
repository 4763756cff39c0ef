import Foundation
import Synchronization

/// The time of a log line, cheaply: from `clock_gettime`, the text of the current second made once per second.
enum LogTimestamp {
    /// Milliseconds since the Unix epoch.
    static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// The last second formatted, and its text.
    private static let lastSecond = Mutex<(second: Int, text: [UInt8])>((-1, []))

    /// Appends `2026-12-07T18:13:57+0000`, as swift-log's stream handler writes it (in UTC).
    static func appendText(to line: inout [UInt8]) {
        let second = Int(milliseconds() / 1000)
        let text = lastSecond.withLock { cached -> [UInt8] in
            if cached.second != second { cached = (second, format(second)) }
            return cached.text
        }
        line.append(contentsOf: text)
    }

    private static func format(_ second: Int) -> [UInt8] {
        var now = time_t(second)
        var parts = tm()
        gmtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        return Array("\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))+0000".utf8)
    }
}
