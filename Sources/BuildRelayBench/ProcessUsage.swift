import Foundation

/// This process's resource use, as the kernel counts it.
enum ProcessUsage {
    /// User and system CPU time, all threads (librdkafka's included).
    static func cpuTime() -> Duration { cpuTime(of: RUSAGE_SELF) }

    /// User and system CPU time of the children this process has waited for (a finished `kcat`, say).
    static func waitedChildrenCPUTime() -> Duration { cpuTime(of: RUSAGE_CHILDREN) }

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
