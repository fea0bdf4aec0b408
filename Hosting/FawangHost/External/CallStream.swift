import FawangPluginSDK
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Synchronization

/// The host's end of a plugin's call stream (`fawang.plugin.v1.ExternalPlugin/Calls`): the unary
/// calls of a plugin whose handshake says `multiplexed`, many at once on one long-lived HTTP/2
/// stream instead of a gRPC call (a stream of its own, its headers) each — the cheaper hop.
///
/// Opened by the first call, and again by the first call after it ended (the plugin restarted).
/// When it ends, every call waiting on it fails `UNAVAILABLE`, as a direct call to a plugin that
/// went away does. Each call has its deadline here too (``watch()``), so a hung plugin cannot
/// hold one.
final class CallStream: Sendable {
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let state = Mutex(State())

    private struct State {
        var outbound: Batches<Fawang_Plugin_V1_CallFrame>?
        var pending: [UInt64: Waiting] = [:]
        /// Whether ``watch()`` runs: while any call waits.
        var watching = false
        var nextID: UInt64 = 0
        var closed = false
        var task: Task<Void, Never>?
        /// Which stream is open: a stream given up for dead (``abandon()``) may still end later,
        /// and must not touch the next one's state.
        var streamNumber = 0
        /// When the open stream last brought a reply.
        var lastReply = ContinuousClock.now
    }

    private struct Waiting {
        let continuation: CheckedContinuation<[UInt8], any Error>
        let deadline: ContinuousClock.Instant
        let timeout: Duration
        var sent: ContinuousClock.Instant { deadline - timeout }
    }

    init(client: GRPCClient<HTTP2ClientTransport.Posix>) {
        self.client = client
    }

    /// One unary call of `method`: its reply, or the plugin's refusal as an `RPCError`.
    func call(method: String, caller: Fawang_Plugin_V1_Caller, message: [UInt8], timeout: Duration) async throws -> [UInt8] {
        var frame = Fawang_Plugin_V1_CallFrame()
        frame.method = method
        frame.caller = caller
        frame.message = Data(message)
        frame.timeoutMs = UInt32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        frame.id = id
        let deadline = ContinuousClock.now + timeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let (sent, startWatching) = state.withLock { state -> (Bool, Bool) in
                    guard !state.closed else { return (false, false) }
                    state.pending[id] = Waiting(continuation: continuation, deadline: deadline, timeout: timeout)
                    if state.outbound == nil { open(&state) }
                    state.outbound?.yield(frame)
                    defer { state.watching = true }
                    return (true, !state.watching)
                }
                if !sent { continuation.resume(throwing: RPCError(code: .unavailable, message: "the plugin's call stream is closed")) }
                if startWatching { Task { await watch() } }
            }
        } onCancel: {
            if fail(id, RPCError(code: .cancelled, message: "the caller went away")) { cancel(id) }
        }
    }

    /// Ends the stream: no call waits on it (the plugin is retired or stopped), and it is not
    /// opened again. The plugin answers what it still has and ends its side; one that does not
    /// within `grace` (hung) has the stream cut, so that the host's shutdown never waits on it.
    func close(grace: Duration = .seconds(2)) async {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.closed = true
            state.outbound?.finish()
            return state.task
        }
        guard let task else { return }
        if await !task.finishes(within: grace) {
            task.cancel()
            // Not waited for beyond this: a call the transport never ends must not hold the host.
            _ = await task.finishes(within: .seconds(1))
        }
    }

    /// Opens the stream, under the lock: frames yielded to `outbound` go out in order.
    private func open(_ state: inout State) {
        let outbound = Batches<Fawang_Plugin_V1_CallFrame>()
        state.outbound = outbound
        state.streamNumber += 1
        state.lastReply = .now
        let number = state.streamNumber
        var options = CallOptions.defaults
        // A plugin that is down fails the calls at once, as a direct call does, not when they time out.
        options.waitForReady = false
        state.task = Task { [client] in
            do {
                try await Fawang_Plugin_V1_ExternalPlugin.Client(wrapping: client).calls(
                    request: StreamingClientRequest { writer in
                        // The frames queued while a write is under way go out together.
                        while case let batch = await outbound.next(), !batch.isEmpty { try await writer.write(contentsOf: batch) }
                    }, options: options
                ) { response in
                    // The request side ends with the replies: nothing more can be answered.
                    defer { outbound.finish() }
                    for try await reply in response.messages { self.resolve(reply) }
                }
            } catch {
                // Every call waiting fails below.
            }
            outbound.finish()
            self.ended(number)
        }
    }

    /// The deadlines of the calls waiting, kept by one task for the whole stream (not a timer per
    /// call): it sleeps until the earliest (at most 100 ms, so a shorter `deadline_ms` applied
    /// at a reload is kept too) and fails the calls past theirs. It ends when no call waits.
    private func watch() async {
        while true {
            let next = state.withLock { state -> ContinuousClock.Instant? in
                guard let earliest = state.pending.values.map(\.deadline).min() else {
                    state.watching = false
                    return nil
                }
                return earliest
            }
            guard let next else { return }
            try? await Task.sleep(until: min(next, .now + .milliseconds(100)))
            let now = ContinuousClock.now
            let expired = state.withLock { state -> [(UInt64, Waiting)] in
                let expired = state.pending.filter { $0.value.deadline <= now }
                for id in expired.keys { state.pending[id] = nil }
                return Array(expired)
            }
            for (id, waiting) in expired {
                waiting.continuation.resume(throwing: RPCError(code: .deadlineExceeded, message: "the plugin did not answer within \(waiting.timeout)"))
                cancel(id)
            }
            // Nothing came back on the stream since a call that timed out was sent: the stream
            // is taken for dead (a connection that went away under it without ending it), and
            // the next call opens another.
            if let oldest = expired.map(\.1.sent).min(), state.withLock({ $0.lastReply < oldest }) { abandon() }
        }
    }

    private func resolve(_ reply: Fawang_Plugin_V1_ReplyFrame) {
        let waiting = state.withLock { state in
            state.lastReply = .now
            return state.pending.removeValue(forKey: reply.id)
        }
        guard let continuation = waiting?.continuation else { return }  // timed out or cancelled
        guard reply.code != 0 else { return continuation.resume(returning: [UInt8](reply.message)) }
        var metadata = Metadata()
        if !reply.statusDetails.isEmpty { metadata.addBinary([UInt8](reply.statusDetails), forKey: "grpc-status-details-bin") }
        let code = Status.Code(rawValue: Int(reply.code)).flatMap(RPCError.Code.init) ?? .unknown
        continuation.resume(throwing: RPCError(code: code, message: reply.errorMessage, metadata: metadata))
    }

    /// Stream `number` ended: the calls waiting on it fail, and the next call opens another.
    private func ended(_ number: Int) {
        let waiting = state.withLock { state -> [Waiting] in
            guard state.streamNumber == number, state.outbound != nil else { return [] }
            return Self.reset(&state)
        }
        for each in waiting {
            each.continuation.resume(throwing: RPCError(code: .unavailable, message: "the plugin's call stream ended"))
        }
    }

    /// Gives up the open stream for dead: cut, its calls failed `UNAVAILABLE`, the next call opens
    /// another. Also when the plugin's process is known to have exited, without waiting for the
    /// transport to notice.
    func abandon() {
        let (task, waiting) = state.withLock { state -> (Task<Void, Never>?, [Waiting]) in
            guard state.outbound != nil else { return (nil, []) }
            let task = state.task
            state.outbound?.finish()
            state.streamNumber += 1
            return (task, Self.reset(&state))
        }
        task?.cancel()
        for each in waiting {
            each.continuation.resume(throwing: RPCError(code: .unavailable, message: "the plugin's call stream stopped answering"))
        }
    }

    /// No stream open, no call waiting: the calls that were are returned, to be failed.
    private static func reset(_ state: inout State) -> [Waiting] {
        state.outbound = nil
        state.task = nil
        defer { state.pending = [:] }
        return Array(state.pending.values)
    }

    /// Fails call `id` if it still waits; true if it did.
    @discardableResult
    private func fail(_ id: UInt64, _ error: RPCError) -> Bool {
        guard let continuation = state.withLock({ $0.pending.removeValue(forKey: id) })?.continuation else { return false }
        continuation.resume(throwing: error)
        return true
    }

    /// Tells the plugin to stop call `id`: no one waits for its reply.
    private func cancel(_ id: UInt64) {
        state.withLock { state in
            state.outbound?.yield(.with {
                $0.id = id
                $0.cancel = true
            })
        }
    }
}

extension Task where Success == Void, Failure == Never {
    /// Waits for the task at most `limit`; true if it finished. Not a task group: a group waits
    /// for all its children at its end, and a child waiting on a task that never ends would hold
    /// it for ever (`value` does not answer cancellation).
    func finishes(within limit: Duration) async -> Bool {
        let answer = Mutex<CheckedContinuation<Bool, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            answer.withLock { $0 = continuation }
            let resume: @Sendable (Bool) -> Void = { finished in answer.withLock { $0.take() }?.resume(returning: finished) }
            Task {
                await self.value
                resume(true)
            }
            Task {
                try? await Task<Never, Never>.sleep(for: limit)
                resume(false)
            }
        }
    }
}
