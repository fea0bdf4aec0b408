import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCProtobuf
import Logging

/// Gives a call from the HTTP gateway its HTTP client's address as the caller's peer, so rate
/// limits, watcher limits and the audit trail see the real caller rather than `in-process`. Only
/// in-process calls may name a peer this way (``GatewayCaller/forwardedPeerKey``): from a
/// network client the metadata is ignored.
///
/// The same holds for the door an in-process call came in by (``GatewayCaller/originKey``: the
/// portal and gateway say `web`, the WeChat endpoint `wechat`), kept for ``ChannelInterceptor``.
struct ForwardedPeerInterceptor: ServerInterceptor {
    /// The door the host's own in-process call names; nil for a network client.
    @TaskLocal static var origin: Channel?

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard context.remotePeer.hasPrefix("in-process") else { return try await next(request, context) }
        let origin = request.metadata[stringValues: GatewayCaller.originKey].first(where: { _ in true })
            .flatMap(Channel.init(rawValue:)).flatMap { ChannelDecision.origins.contains($0) ? $0 : nil }
        var context = context
        if let forwarded = request.metadata[stringValues: GatewayCaller.forwardedPeerKey].first(where: { _ in true }) {
            context.remotePeer = forwarded
        }
        return try await Self.$origin.withValue(origin) { try await next(request, context) }
    }
}

/// Decides the call's channel from who is calling and the door they came in by
/// (``ChannelDecision``), for every handler and every streamed reply. Runs after authentication.
struct ChannelInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let channel = ChannelDecision.decide(principal: Principal.current, origin: ForwardedPeerInterceptor.origin)
        var response = try await ChannelDecision.$current.withValue(channel) { try await next(request, context) }
        if case .success(var contents) = response.accepted {
            let producer = contents.producer
            contents.producer = { writer in try await ChannelDecision.$current.withValue(channel) { try await producer(writer) } }
            response.accepted = .success(contents)
        }
        return response
    }
}

/// Rejects calls to a switched-off module with `UNAVAILABLE` and a message naming it. Checked when
/// a call starts, so a switch never breaks a call already running.
struct ModuleGateInterceptor: ServerInterceptor {
    let registry: ModuleRegistry

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if let module = registry.module(forService: context.descriptor.service.fullyQualifiedService), !module.enabled {
            throw ModuleRegistry.switchedOff(module)
        }
        return try await next(request, context)
    }
}

/// Limits the public methods per caller (token buckets), answering `RESOURCE_EXHAUSTED` with a
/// `google.rpc.RetryInfo` saying when to try again. Callers are told apart by their address
/// until authenticated identities exist.
struct RateLimitInterceptor: ServerInterceptor {
    let limiter: RateLimiter
    let limitedMethods: Set<String>
    let clock = ContinuousClock()
    let origin: ContinuousClock.Instant

    init(limiter: RateLimiter, limitedMethods: Set<String>) {
        self.limiter = limiter
        self.limitedMethods = limitedMethods
        self.origin = clock.now
    }

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if limitedMethods.contains(context.descriptor.fullyQualifiedMethod) {
            let elapsed = clock.now - origin
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let decision = limiter.take(Self.caller(context.remotePeer), now: seconds)
            if !decision.allowed {
                let wait = max(1, Int(decision.retryAfterSeconds.rounded(.up)))
                throw RPCError(GoogleRPCStatus(
                    code: .resourceExhausted, message: "操作过于频繁，请\(wait)秒后再试",
                    details: [.retryInfo(delay: .seconds(wait))]))
            }
        }
        return try await next(request, context)
    }

    /// `ipv4:10.1.2.3:51234` → `ipv4:10.1.2.3`: the address without the client's port.
    static func caller(_ peer: String) -> String {
        if peer.hasPrefix("ipv6:["), let close = peer.firstIndex(of: "]") { return String(peer[...close]) }
        guard let colon = peer.lastIndex(of: ":"), peer.hasPrefix("ipv4:") else { return peer }
        return String(peer[..<colon])
    }
}

/// Caps how long a unary call may run on the server (`grpc.max_call_seconds`), whatever deadline
/// the client sent (grpc-swift already enforces a client's own `grpc-timeout`). Streaming methods
/// such as `Health/Watch` are exempt.
struct CallTimeLimitInterceptor: ServerInterceptor {
    let limit: Duration
    let streamingMethods: Set<String>

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if streamingMethods.contains(context.descriptor.fullyQualifiedMethod) { return try await next(request, context) }
        let limit = self.limit
        // The group is awaited before this returns, so `next` does not really escape.
        return try await withoutActuallyEscaping(next) { next in
            try await withThrowingTaskGroup(of: StreamingServerResponse<Output>?.self) { group in
                group.addTask { try await next(request, context) }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let response = try await group.next() ?? nil else {
                    throw RPCError(code: .deadlineExceeded, message: "处理超时，请稍后重试")
                }
                return response
            }
        }
    }
}

/// Tells storage which RPC (and peer) a write belongs to, for the audit trail.
struct AuditContextInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        try await AuditContext.$method.withValue(context.descriptor.fullyQualifiedMethod) {
            try await AuditContext.$peer.withValue(context.remotePeer) {
                try await next(request, context)
            }
        }
    }
}

/// The one place errors become statuses. gRPC turns whatever a handler throws into a failed
/// response at each interceptor boundary: a `FawangError` keeps its code, message and field
/// violations (it is `RPCErrorConvertible`); anything else arrives as `UNKNOWN` with the error as
/// its cause. Those, and internal `FawangError`s, are logged here with the method and answered with
/// a bare `INTERNAL`, so no stack trace, SQL or other user's data ever reaches a client.
///
/// A request the transport refused for its size (``OversizedRequests``) reaches here as an
/// internal error or a cancellation; it is answered, counted and logged as `RESOURCE_EXHAUSTED`.
struct ErrorMappingInterceptor: ServerInterceptor {
    let logger: Logger
    /// Requests over `grpc.max_request_bytes`, seen by the transport watcher; nil maps nothing.
    var oversized: OversizedRequests? = nil

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = context.descriptor.fullyQualifiedMethod
        let logger = self.logger
        let oversized = self.oversized
        let peer = context.remotePeer
        @Sendable func map(_ error: any Error) -> RPCError {
            // Every failed call consumes its record, so none is left for a later call.
            if let oversized, oversized.take(peer: peer, method: method) {
                let code = (error as? RPCError)?.code
                if error is CancellationError || code == .internalError || code == .unknown || code == .cancelled {
                    logger.notice("request message over the size limit refused", metadata: [
                        "rpc.method": "\(method)", "rpc.code": "resource_exhausted", "grpc.max_request_bytes": "\(oversized.limit)",
                    ])
                    return oversized.error
                }
            }
            return Self.sanitize(error, method: method, logger: logger)
        }
        var response: StreamingServerResponse<Output>
        do {
            response = try await next(request, context)
        } catch {
            return StreamingServerResponse(error: map(error))
        }
        switch response.accepted {
        case .failure(let error):
            response.accepted = .failure(map(error))
        case .success(var contents):
            // Errors thrown while a streaming body is produced are mapped the same way.
            let producer = contents.producer
            contents.producer = { writer in
                do {
                    return try await producer(writer)
                } catch {
                    throw map(error)
                }
            }
            response.accepted = .success(contents)
        }
        return response
    }

    static func sanitize(_ error: any Error, method: String, logger: Logger) -> RPCError {
        var underlying: any Error = error
        if let rpc = error as? RPCError, rpc.code == .unknown, let cause = rpc.cause {
            underlying = cause
        }
        switch underlying {
        case let fawang as FawangError where fawang.code != .internalError:
            return fawang.rpcError
        case let fawang as FawangError:
            logger.error("internal error", metadata: ["rpc.method": "\(method)", "error": "\(fawang.message)"])
        case let rpc as RPCError:
            return rpc
        case is CancellationError:
            return RPCError(code: .cancelled, message: "调用已取消")
        default:
            logger.error("unexpected error", metadata: ["rpc.method": "\(method)", "error": "\(String(reflecting: underlying))"])
        }
        return RPCError(code: .internalError, message: FawangError.internalMessage)
    }
}
