import Foundation
import ServiceLifecycle

/// Returns the C heap's free pages to the operating system every `interval` (``MemoryAllocator/releaseFreeMemory()``).
///
/// A worker frees most of what it allocates within milliseconds, on whichever thread finishes the work, while
/// retained request ids live for `worker.requestRetention`. Allocators keep freed memory for reuse: on glibc's, the
/// soak benchmark's resident size grew 15% from minute 2 to minute 10 while the live heap stayed flat, and trimming
/// fixed it. jemalloc (the executables' allocator) returns unused pages after its decay time (about 10 s) only when
/// it is next called into; the trim makes that happen every `interval`, on a thread of its own.
public struct HeapTrimmer: Service {
    let interval: Duration
    /// Called after each trim, on the trimmer's task.
    let afterTrim: @Sendable () -> Void

    public init(interval: Duration = .seconds(15), afterTrim: @escaping @Sendable () -> Void = {}) {
        self.interval = interval
        self.afterTrim = afterTrim
    }

    public func run() async throws {
        while true {
            do {
                try await cancelWhenGracefulShutdown { () async throws -> Void in try await Task.sleep(for: interval) }
            } catch {
                return  // shutting down
            }
            await withCheckedContinuation { continuation in
                DispatchQueue.global(qos: .utility).async {
                    MemoryAllocator.releaseFreeMemory()
                    continuation.resume()
                }
            }
            afterTrim()
        }
    }
}
