import Synchronization

/// Items due at instants of the continuous clock, handed out in due order by ``run(deliver:)``.
///
/// One task runs the schedule; it sleeps until the earliest item is due, but at most ``resolution``, so an item
/// scheduled earlier than everything else is late by at most that much.
final class TimerSchedule<Item: Sendable>: Sendable {
    private struct Entry {
        var due: ContinuousClock.Instant
        var order: UInt64
        var item: Item
        func precedes(_ other: Entry) -> Bool { due < other.due || (due == other.due && order < other.order) }
    }

    private struct State {
        var heap: [Entry] = []
        var nextOrder: UInt64 = 0
        var stopped = false
    }

    private let state = Mutex(State())
    let resolution: Duration

    init(resolution: Duration = .milliseconds(20)) {
        self.resolution = resolution
    }

    func schedule(_ item: Item, after delay: Duration) {
        let due = ContinuousClock.now.advanced(by: max(delay, .zero))
        state.withLock { state in
            state.heap.append(Entry(due: due, order: state.nextOrder, item: item))
            state.nextOrder &+= 1
            Self.siftUp(&state.heap, from: state.heap.count - 1)
        }
    }

    /// Delivers due items, each with the instant it was due, until ``stop()`` (or cancellation).
    func run(deliver: (Item, ContinuousClock.Instant) -> Void) async {
        var due: [(Item, ContinuousClock.Instant)] = []
        while true {
            let now = ContinuousClock.now
            let wait: Duration? = state.withLock { state in
                guard !state.stopped else { return nil }
                while let first = state.heap.first, first.due <= now {
                    due.append((first.item, first.due))
                    Self.removeFirst(&state.heap)
                }
                guard let first = state.heap.first else { return resolution }
                return min(first.due - now, resolution)
            }
            guard let wait else { return }
            for (item, instant) in due { deliver(item, instant) }
            due.removeAll(keepingCapacity: true)
            do { try await Task.sleep(for: wait) } catch { return }
        }
    }

    func stop() {
        state.withLock { $0.stopped = true }
    }

    private static func siftUp(_ heap: inout [Entry], from start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private static func removeFirst(_ heap: inout [Entry]) {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var first = parent
            if left < heap.count, heap[left].precedes(heap[first]) { first = left }
            if right < heap.count, heap[right].precedes(heap[first]) { first = right }
            guard first != parent else { return }
            heap.swapAt(parent, first)
            parent = first
        }
    }
}
