import Foundation

/// This process's resource use, as the kernel counts it.
enum ProcessUsage {
    /// User and system CPU time, all threads (librdkafka's included).
    static func cpuTime() -> Duration { cpuTime(of: RUSAGE_SELF) }

    /// User and system CPU time of the children this process has waited for (a finished `kcat`, say).
    static func waitedChildrenCPUTime() -> Duration { cpuTime(of: RUSAGE_CHILDREN) }

    /// User and system CPU time of process `pid` so far, all threads (`/proc/PID/stat`); zero if it is gone.
    static func cpuTime(pid: Int32) -> Duration {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return .zero }
        // After the command's closing parenthesis: state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return .zero }
        return .nanoseconds((user + system) * 1_000_000_000 / sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func cpuTime(of who: __rusage_who) -> Duration {
        var usage = rusage()
        getrusage(who.rawValue, &usage)
        func duration(_ time: timeval) -> Duration { .seconds(time.tv_sec) + .microseconds(time.tv_usec) }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }

    /// Resident set size in bytes of this process, or of process `pid` (`/proc/…/statm`); 0 where that file is
    /// missing.
    static func residentBytes(pid: Int32? = nil) -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// A monotonic clock in nanoseconds, comparable across the threads of this process.
    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
