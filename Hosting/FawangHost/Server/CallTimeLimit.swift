import GRPCCore
import Synchronization

/// Caps how long a unary call may run on the server (`grpc.max_call_seconds`), whatever deadline
/// the client sent (grpc-swift already enforces a client's own `grpc-timeout`). Server-streaming
/// methods such as `Health/Watch` are exempt (``PlatformInterceptor``).
///
/// The handler runs in a child task that ``CallDeadlines`` cancels when the limit passes; the call
/// then ends `DEADLINE_EXCEEDED` (`处理超时，请稍后重试`) once the handler has given up. A handler
/// that finishes anyway keeps its answer. The child starts at once on the calling thread
/// (`addImmediateTask`): a handler that never suspends costs no thread switch.
struct CallTimeLimit: Sendable {
    let limit: Duration

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + limit
        // The group is awaited before this returns, so `body` does not really escape.
        return try await withoutActuallyEscaping(body) { body in
            try await withThrowingTaskGroup(of: T.self) { group in
                group.addImmediateTask {
                    let ticket = withUnsafeCurrentTask { task in CallDeadlines.shared.watch(task, until: deadline) }
                    do {
                        let value = try await body()
                        _ = CallDeadlines.shared.forget(ticket)
                        return value
                    } catch {
                        if CallDeadlines.shared.forget(ticket) { throw RPCError(code: .deadlineExceeded, message: "处理超时，请稍后重试") }
                        throw error
                    }
                }
                guard let value = try await group.next() else { throw CancellationError() }
                return value
            }
        }
    }
}

/// One sweeper for every time-limited call in the process: each call registers its task and
/// deadline, and a task that wakes every ``tick`` while calls are registered cancels those whose
/// deadline has passed. This replaces a sleeping child task and a timer per call; the limit is
/// in whole seconds, so a tenth of a second late is within it.
final class CallDeadlines: Sendable {
    static let shared = CallDeadlines(tick: .milliseconds(100))

    let tick: Duration

    private struct Watched: @unchecked Sendable {
        // Used only while registered, under the lock: the call's task outlives its registration.
        let task: UnsafeCurrentTask
        let deadline: ContinuousClock.Instant
    }

    private struct State {
        var next: UInt64 = 0
        var watched: [UInt64: Watched] = [:]
        /// Tickets whose task was cancelled for its deadline, until their call forgets them.
        var expired: Set<UInt64> = []
        var sweeping = false
    }

    private let state = Mutex(State())

    init(tick: Duration) {
        self.tick = tick
    }

    /// Watches the current task (nil outside a task: nothing to watch) until `deadline`.
    func watch(_ task: UnsafeCurrentTask?, until deadline: ContinuousClock.Instant) -> UInt64? {
        guard let task else { return nil }
        let (ticket, start) = state.withLock { state in
            state.next += 1
            state.watched[state.next] = Watched(task: task, deadline: deadline)
            defer { state.sweeping = true }
            return (state.next, !state.sweeping)
        }
        if start { Task.detached { await self.sweep() } }
        return ticket
    }

    /// Stops watching; whether the deadline had passed and the task was cancelled for it.
    func forget(_ ticket: UInt64?) -> Bool {
        guard let ticket else { return false }
        return state.withLock { state in
            state.watched[ticket] = nil
            return state.expired.remove(ticket) != nil
        }
    }

    /// Calls being watched now (for tests).
    var count: Int { state.withLock { $0.watched.count } }

    private func sweep() async {
        while true {
            try? await Task.sleep(for: tick)
            let more = state.withLock { state in
                let now = ContinuousClock.now
                let due = state.watched.filter { $0.value.deadline <= now }
                for (ticket, watched) in due {
                    watched.task.cancel()
                    state.watched[ticket] = nil
                    state.expired.insert(ticket)
                }
                if state.watched.isEmpty { state.sweeping = false }
                return state.sweeping
            }
            if !more { return }
        }
    }
}
