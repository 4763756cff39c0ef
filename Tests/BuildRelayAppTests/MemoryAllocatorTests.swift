import BuildRelayApp
import Testing

@Suite("Memory allocator")
struct MemoryAllocatorTests {
    @Test("a process that does not link jemalloc (this test binary) names glibc's allocator and can still trim it")
    func withoutJemalloc() {
        // The executables link jemalloc; CommandLineTests checks that `buildrelay worker` names it.
        #expect(MemoryAllocator.description == "libc")
        MemoryAllocator.releaseFreeMemory()
    }
}
