import Synchronization

/// A queue with one reader that takes everything queued at once. The call stream's two writers
/// (the host's frames, the plugin's replies) read it so that what comes while a write is under
/// way goes out with the next one: one `RPCWriter.write(contentsOf:)`, one flush to the socket,
/// instead of one each.
public final class Batches<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var reader: CheckedContinuation<[Element], Never>?
        var finished = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Queues `item`; false (and dropped) once finished.
    @discardableResult
    public func yield(_ item: Element) -> Bool {
        let (queued, reader) = state.withLock { state -> (Bool, CheckedContinuation<[Element], Never>?) in
            guard !state.finished else { return (false, nil) }
            guard let reader = state.reader else {
                state.items.append(item)
                return (true, nil)
            }
            state.reader = nil
            return (true, reader)
        }
        reader?.resume(returning: [item])
        return queued
    }

    /// No more items: the reader gets what is queued, then an empty batch.
    public func finish() {
        let reader = state.withLock { state -> CheckedContinuation<[Element], Never>? in
            state.finished = true
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume(returning: [])
    }

    /// Everything queued, after waiting for at least one item; empty once finished and read
    /// (or when the reader's task is cancelled, which finishes the queue).
    public func next() async -> [Element] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> [Element]? in
                    if !state.items.isEmpty {
                        defer { state.items.removeAll(keepingCapacity: true) }
                        return state.items
                    }
                    if state.finished { return [] }
                    state.reader = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish()
        }
    }
}
