#if canImport(Glibc)
import Glibc
#endif
import Logging
import ServiceLifecycle
import Synchronization

/// Hands the heap's free pages back to the system every `interval`.
///
/// glibc's allocator keeps what a burst of calls freed (a flood of thousands of concurrent calls
/// grows the heap by over 100 MB) in its arenas for reuse, so the process's RSS never comes down
/// by itself. `malloc_trim(0)` releases the free pages at the top of every arena and the free
/// whole pages inside them; it costs a few milliseconds on a heap of this size and nothing when
/// there is nothing to release. Not exported by Swift's Glibc module: looked up by name.
///
/// The heap is the process's: where one process runs several hosts (the tests), only the first
/// host's service trims, while it runs.
struct MemoryReturn: Service, CustomStringConvertible {
    var description: String { "memory return" }
    let interval: Duration
    let logger: Logger

    private typealias Trim = @convention(c) (Int) -> Int32

    /// glibc's `malloc_trim`, or nil on a C library without it.
    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    /// Releases what can be released now; false when this C library cannot.
    @discardableResult
    static func now() -> Bool {
        guard let trim else { return false }
        _ = trim(0)
        return true
    }

    /// Whether a host of this process already trims.
    private static let claimed = Mutex(false)

    func run() async throws {
        if Self.trim == nil { logger.info("malloc_trim is not available: freed memory stays with the allocator") }
        let trims = Self.trim != nil && Self.claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
        defer { if trims { Self.claimed.withLock { $0 = false } } }
        // Runs until shutdown either way: a service that returns early would stop the host.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { break }
                if trims { Self.now() }
            }
        }
    }
}
