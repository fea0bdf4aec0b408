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
/// went away does. Each call has its deadline here too, so a hung plugin cannot hold one.
final class CallStream: Sendable {
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let state = Mutex(State())

    private struct State {
        var outbound: AsyncStream<Fawang_Plugin_V1_CallFrame>.Continuation?
        var pending: [UInt64: CheckedContinuation<[UInt8], any Error>] = [:]
        var nextID: UInt64 = 0
        var closed = false
        var task: Task<Void, Never>?
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
        let timer = Task { [self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            if fail(id, RPCError(code: .deadlineExceeded, message: "the plugin did not answer within \(timeout)")) { cancel(id) }
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let sent = state.withLock { state -> Bool in
                    guard !state.closed else { return false }
                    state.pending[id] = continuation
                    if state.outbound == nil { open(&state) }
                    state.outbound?.yield(frame)
                    return true
                }
                if !sent { continuation.resume(throwing: RPCError(code: .unavailable, message: "the plugin's call stream is closed")) }
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
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await task.value }
            group.addTask {
                guard (try? await Task.sleep(for: grace)) != nil else { return }
                task.cancel()
            }
            await group.next()
            group.cancelAll()
        }
        await task.value
    }

    /// Opens the stream, under the lock: frames yielded to `outbound` go out in order.
    private func open(_ state: inout State) {
        let (frames, outbound) = AsyncStream<Fawang_Plugin_V1_CallFrame>.makeStream()
        state.outbound = outbound
        var options = CallOptions.defaults
        // A plugin that is down fails the calls at once, as a direct call does, not when they time out.
        options.waitForReady = false
        state.task = Task { [client] in
            do {
                try await Fawang_Plugin_V1_ExternalPlugin.Client(wrapping: client).calls(
                    request: StreamingClientRequest { writer in
                        for await frame in frames { try await writer.write(frame) }
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
            self.ended()
        }
    }

    private func resolve(_ reply: Fawang_Plugin_V1_ReplyFrame) {
        guard let continuation = state.withLock({ $0.pending.removeValue(forKey: reply.id) }) else { return }  // timed out or cancelled
        guard reply.code != 0 else { return continuation.resume(returning: [UInt8](reply.message)) }
        var metadata = Metadata()
        if !reply.statusDetails.isEmpty { metadata.addBinary([UInt8](reply.statusDetails), forKey: "grpc-status-details-bin") }
        let code = Status.Code(rawValue: Int(reply.code)).flatMap(RPCError.Code.init) ?? .unknown
        continuation.resume(throwing: RPCError(code: code, message: reply.errorMessage, metadata: metadata))
    }

    /// The stream ended: the calls waiting on it fail, and the next call opens another.
    private func ended() {
        let waiting = state.withLock { state -> [CheckedContinuation<[UInt8], any Error>] in
            state.outbound = nil
            state.task = nil
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        for continuation in waiting {
            continuation.resume(throwing: RPCError(code: .unavailable, message: "the plugin's call stream ended"))
        }
    }

    /// Fails call `id` if it still waits; true if it did.
    @discardableResult
    private func fail(_ id: UInt64, _ error: RPCError) -> Bool {
        guard let continuation = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return false }
        continuation.resume(throwing: error)
        return true
    }

    /// Tells the plugin to stop call `id`: no one waits for its reply.
    private func cancel(_ id: UInt64) {
        state.withLock { state in
            _ = state.outbound?.yield(.with {
                $0.id = id
                $0.cancel = true
            })
        }
    }
}
