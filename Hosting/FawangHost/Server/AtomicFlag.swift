import Synchronization

/// A flag one task raises and others read.
public final class AtomicFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { raised.load(ordering: .sequentiallyConsistent) }

    public func set() { raised.store(true, ordering: .sequentiallyConsistent) }
}
