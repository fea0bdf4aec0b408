import FawangCore
import FawangProto
public import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf
import Synchronization
import Foundation

/// Calls the host's own gRPC services from the HTTP gateway over an in-process transport, with
/// the request and response as serialized protobuf: every call passes the same interceptor chain
/// as a gRPC client's (identity, rate limits, access, module switches, audit, metrics), so no rule
/// has a second implementation.
///
/// The HTTP caller's address travels as ``forwardedPeerKey`` metadata, which
/// ``ForwardedPeer`` honours on in-process calls only.
struct GatewayCaller: Sendable {
    let client: GRPCClient<InProcessTransport.Client>
    /// Streaming responses in progress (Connect streaming, gRPC-Web, the workbench's alerts):
    /// ended at shutdown, or the HTTP server would wait for them forever.
    let streams = GatewayStreams()

    /// Metadata naming the HTTP client's address (`ipv4:10.0.0.7:51234`) on a gateway call.
    static let forwardedPeerKey = "fawang-forwarded-peer"
    /// Metadata naming the door a gateway call came in by (`web`, `wechat`): see ``ChannelDecision``.
    static let originKey = "fawang-origin"

    /// The metadata of a call made for an HTTP client at `peer` who came in by `origin`.
    static func metadata(peer: String, origin: FawangCore.Channel = .web) -> Metadata {
        var metadata = Metadata()
        metadata.addString(peer, forKey: forwardedPeerKey)
        metadata.addString(origin.rawValue, forKey: originKey)
        return metadata
    }

    /// One unary call; throws the call's `RPCError`.
    func unary(_ descriptor: MethodDescriptor, _ request: [UInt8], metadata: Metadata, timeout: Duration?) async throws -> [UInt8] {
        try await client.unary(
            request: ClientRequest(message: request, metadata: metadata), descriptor: descriptor,
            serializer: RawBytes(), deserializer: RawBytes(), options: Self.options(timeout)
        ) { response in try response.message }
    }

    /// One server-streaming call: `onMessage` gets each response as it comes; throws the call's
    /// `RPCError` (after the messages sent before it).
    func serverStreaming(
        _ descriptor: MethodDescriptor, _ request: [UInt8], metadata: Metadata, timeout: Duration?,
        onMessage: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws {
        try await client.serverStreaming(
            request: ClientRequest(message: request, metadata: metadata), descriptor: descriptor,
            serializer: RawBytes(), deserializer: RawBytes(), options: Self.options(timeout)
        ) { response in
            for try await message in response.messages { try await onMessage(message) }
        }
    }

    static func options(_ timeout: Duration?) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        return options
    }
}

/// The tasks relaying streaming calls to HTTP clients. A watch stream (Health/Watch,
/// WatchAlerts) has no end of its own: at graceful shutdown ``closeAll()`` cancels every relay,
/// each ends its response, and the HTTP listener can finish its requests in flight.
final class GatewayStreams: Sendable {
    private let state = Mutex<(closed: Bool, tasks: [UUID: Task<Void, Never>])>((false, [:]))

    /// Runs `body` as a relay; after ``closeAll()`` it starts cancelled.
    @discardableResult
    func start(_ body: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        let id = UUID()
        let task = Task { [weak self] in
            await body()
            _ = self?.state.withLock { $0.tasks.removeValue(forKey: id) }
        }
        let closed = state.withLock { state -> Bool in
            if !state.closed { state.tasks[id] = task }
            return state.closed
        }
        if closed { task.cancel() }
        return task
    }

    /// Cancels every relay, and every one started from now on.
    func closeAll() {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.closed = true
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
    }

    var count: Int { state.withLock { $0.tasks.count } }
}
