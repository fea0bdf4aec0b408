import FawangPluginContract
import Foundation
import GRPCCore
import Synchronization

/// The plugin's services, called once per frame of the host's call stream (`ExternalPlugin/Calls`)
/// with no client and no second transport in between: a `ServerTransport` whose every stream is
/// made here from one frame (the caller's metadata and the request message) and whose response
/// parts are collected into the reply frame. The `GRPCServer` on it has the same services and the
/// same interceptors as the plugin's own port, and the frame's caller is the call's
/// ``PluginCaller/current``, so a handler cannot tell a frame from a direct call.
///
/// A frame's `timeout_ms` sets no timer here: the host keeps the deadline and sends a `cancel`
/// frame when it gives up, which cancels the call's task.
final class FrameTransport: ServerTransport {
    typealias Bytes = [UInt8]
    typealias Handler = @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void

    /// The server's handler while it listens (in a box: a closure read out of a generic
    /// container is wrapped in reabstraction thunks on every read).
    private let handler = Mutex<HandlerBox?>(nil)

    final class HandlerBox: Sendable {
        let handle: Handler
        init(_ handle: @escaping Handler) { self.handle = handle }
    }
    private let stopped: AsyncStream<Void>
    private let stop: AsyncStream<Void>.Continuation

    init() {
        (stopped, stop) = AsyncStream.makeStream()
    }

    func listen(streamHandler: @escaping Handler) async throws {
        let box = HandlerBox(streamHandler)
        handler.withLock { $0 = box }
        for await _ in stopped {}
        handler.withLock { $0 = nil }
    }

    func beginGracefulShutdown() { stop.finish() }

    /// One call of the stream, through the server's router and interceptors.
    func call(_ frame: Fawang_Plugin_V1_CallFrame) async -> Fawang_Plugin_V1_ReplyFrame {
        var reply = Fawang_Plugin_V1_ReplyFrame()
        reply.id = frame.id
        guard let box = handler.withLock({ $0 }) else {
            reply.code = Int32(RPCError.Code.unavailable.rawValue)
            reply.errorMessage = "the plugin is stopping"
            return reply
        }
        guard let slash = frame.method.lastIndex(of: "/") else {
            reply.code = Int32(RPCError.Code.unimplemented.rawValue)
            reply.errorMessage = "not a method: \(frame.method)"
            return reply
        }
        let descriptor = MethodDescriptor(
            fullyQualifiedService: String(frame.method[..<slash]), method: String(frame.method[frame.method.index(after: slash)...]))
        let response = Response()
        let stream = RPCStream(
            descriptor: descriptor,
            inbound: RPCAsyncSequence<RPCRequestPart<Bytes>, any Error>(wrapping: Request(parts: [.metadata([:]), .message([UInt8](frame.message))])),
            outbound: RPCWriter<RPCResponsePart<Bytes>>.Closable(wrapping: response))
        // The frame's caller is already a message: set as the call's caller here, not written into
        // metadata for the caller interceptor to parse back (it passes a call without one on).
        await PluginCaller.$current.withValue(frame.hasCaller ? frame.caller : nil) {
            await withServerContextRPCCancellationHandle { cancellation in
                await box.handle(stream, ServerContext(descriptor: descriptor, remotePeer: "fawang-host", localPeer: "plugin", cancellation: cancellation))
            }
        }
        response.state.withLock { state in
            guard let status = state.status else {
                reply.code = Int32(RPCError.Code.internalError.rawValue)
                reply.errorMessage = "the call ended without a status"
                return
            }
            guard status.code == .ok else {
                reply.code = Int32(status.code.rawValue)
                reply.errorMessage = status.message
                if let details = state.trailers[binaryValues: "grpc-status-details-bin"].first(where: { _ in true }) { reply.statusDetails = Data(details) }
                return
            }
            reply.message = Data(state.message ?? [])
        }
        return reply
    }

    /// A unary request: its metadata, then its message.
    struct Request: AsyncSequence, Sendable {
        typealias Element = RPCRequestPart<Bytes>
        let parts: [Element]

        struct AsyncIterator: AsyncIteratorProtocol {
            var rest: ArraySlice<Element>
            mutating func next() async throws -> Element? { rest.popFirst() }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: parts[...]) }
    }

    /// What the handler writes back: the message and the status with its trailers.
    final class Response: ClosableRPCWriterProtocol {
        typealias Element = RPCResponsePart<Bytes>
        struct State {
            var message: [UInt8]?
            var status: Status?
            var trailers = Metadata()
        }

        let state = Mutex(State())

        func write(_ element: Element) async throws {
            state.withLock { state in
                switch element {
                case .metadata: break
                case .message(let bytes): state.message = bytes
                case .status(let status, let trailers): (state.status, state.trailers) = (status, trailers)
                }
            }
        }

        func write(contentsOf elements: some Sequence<Element>) async throws {
            for element in elements { try await write(element) }
        }

        func finish() async {}

        func finish(throwing error: any Error) async {
            state.withLock { state in
                if state.status == nil { state.status = Status(code: .unknown, message: "\(error)") }
            }
        }
    }
}
