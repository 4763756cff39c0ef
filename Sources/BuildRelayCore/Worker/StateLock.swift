#if canImport(Glibc)
import Glibc
#endif

/// A value behind an adaptive pthread mutex (it spins briefly before sleeping).
///
/// The worker engine's state is touched by the consumer task, the provider-call tasks and the producer's delivery
/// thread for every command. Under that contention, `Synchronization.Mutex` on Linux takes the kernel's
/// priority-inheritance futex path (`FUTEX_LOCK_PI`) and costs a system call per conflict; this lock measured
/// faster in the drain benchmark. `@unchecked Sendable`: the value is only reached through ``withLock(_:)``.
final class StateLock<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
