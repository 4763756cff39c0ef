import Synchronization

/// An array appended to from several tasks.
public final class LockedArray<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])
    public init() {}
    public func append(_ element: Element) { storage.withLock { $0.append(element) } }
    public var values: [Element] { storage.withLock { $0 } }
}
