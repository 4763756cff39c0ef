/// The commands of one partition consumed and not yet durably processed, so the committed offset never passes
/// one of them.
struct PendingOffsets {
    /// Consumed offsets in increasing order, from `head` on; `done` marks those already processed.
    private var offsets: [Int64] = []
    private var done: [Bool] = []
    private var head = 0
    /// The offset after the newest consumed command, or `nil` before the first.
    private var end: Int64?
    /// The first command consumed in this assignment.
    private var first: Int64?

    /// Records a consumed command; offsets arrive in increasing order.
    mutating func consumed(_ offset: Int64) {
        if first == nil { first = offset }
        offsets.append(offset)
        done.append(false)
        end = offset + 1
    }

    /// Marks `offset` processed. Returns the new committable offset if it moved.
    mutating func processed(_ offset: Int64) -> Int64? {
        guard let index = index(of: offset), !done[index] else { return nil }
        done[index] = true
        guard index == head else { return nil }
        while head < offsets.count, done[head] { head += 1 }
        if head > 1024, head * 2 > offsets.count {
            offsets.removeFirst(head)
            done.removeFirst(head)
            head = 0
        }
        return committable
    }

    /// For the log: the offsets consumed in this assignment and where a restart would begin.
    var summary: String {
        guard let first, let end else { return "none consumed" }
        return "consumed \(first)..<\(end), resume at \(committable.map(String.init) ?? "-")"
    }

    /// Where a consumer restarting this partition must begin: the oldest unprocessed command, or after the newest.
    var committable: Int64? { head < offsets.count ? offsets[head] : end }

    private func index(of offset: Int64) -> Int? {
        var low = head, high = offsets.count
        while low < high {
            let middle = (low + high) / 2
            if offsets[middle] < offset { low = middle + 1 } else { high = middle }
        }
        return low < offsets.count && offsets[low] == offset ? low : nil
    }
}
