import Foundation

/// The C allocator behind this process's `malloc`: jemalloc when the executable links it (BuildRelay's executables
/// do on Linux, through the `CJemalloc` target), otherwise the C library's own.
public enum MemoryAllocator {
    /// `jemalloc <version>, <n> arena(s)` (`narenas`, the arenas for ordinary allocations), or `libc` when jemalloc
    /// is not the process's allocator. Logged when a worker starts, so a build that lost the link (and with it a third
    /// of the drain rate) or its options (`Sources/CJemalloc/malloc_conf.c`) shows in the first lines of its log.
    public static let description: String = {
        guard let mallctl else { return "libc" }
        var version: UnsafePointer<CChar>?
        var versionSize = MemoryLayout<UnsafePointer<CChar>?>.size
        var arenas: UInt32 = 0
        var arenasSize = MemoryLayout<UInt32>.size
        guard mallctl("version", &version, &versionSize, nil, 0) == 0, let version,
              mallctl("opt.narenas", &arenas, &arenasSize, nil, 0) == 0 else { return "jemalloc" }
        return "jemalloc \(String(cString: version)), \(arenas) arena\(arenas == 1 ? "" : "s")"
    }()

    /// Hands the pages that hold only freed memory back to the operating system: jemalloc decays every arena (it
    /// returns the pages that have been unused for longer than its decay time, 10 s by default), glibc trims its heaps
    /// (`malloc_trim`). Call it off Swift's cooperative pool. jemalloc's full purge (`arena.<i>.purge`) returned the
    /// same resident size in the soak benchmark, but held the single arena's lock for long enough that every thread
    /// allocating meanwhile waited: the latency benchmark saw a 55 ms send-to-event time every 15 s, 30 ms at most
    /// with decay.
    public static func releaseFreeMemory() {
        if let mallctl {
            _ = mallctl("arena.\(allArenas).decay", nil, nil, nil, 0)
        } else {
            _ = mallocTrim?(0)
        }
    }

    private typealias Mallctl = @convention(c) (
        UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int
    ) -> Int32

    /// jemalloc's control interface (Debian's build exports it unprefixed, like its `malloc`); `nil` without jemalloc.
    private static let mallctl: Mallctl? = symbol("mallctl")

    /// glibc's `malloc_trim` (declared in `malloc.h`, which Swift's Glibc module leaves out).
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = symbol("malloc_trim")

    /// `MALLCTL_ARENAS_ALL`: the arena index that stands for every arena.
    private static let allArenas = 4096

    private static func symbol<Function>(_ name: String) -> Function? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }
}
