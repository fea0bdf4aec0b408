import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCProtobuf
import Logging

/// Everything the host does around a handler, as one interceptor that every channel's server
/// shares (HTTP/2, the in-process transport, the HTTP gateway). In order:
///
/// 1. **Forwarded peer**: an in-process call from the portal or gateway names its HTTP client's
///    address and the door it came in by (``ForwardedPeer``).
/// 2. **Metrics**: the clock starts; every call is counted once with its final status, a
///    streamed reply when its stream ends (``PlatformMetrics``).
/// 3. **Errors** become statuses in one place (``ErrorMapping``), for the handler and for a
///    streamed reply's producer.
/// 4. **Authentication** (``Authentication``) finds the caller; **channel**
///    (``ChannelDecision``) follows from who calls and by which door.
/// 5. **Rate limit** for public methods that do work (``RateLimit``); **access policy**
///    (``AccessPolicy/admit(_:_:)``).
/// 6. **Watchers**: a plugin's server-streaming method (a subscription such as
///    `PublicityService/Subscribe`) takes a place under `limits.watchers.*` until its stream ends,
///    as the platform's own watch streams do (``WatcherLimits``).
/// 7. **Module switch**: a switched-off module's calls are refused `UNAVAILABLE` when they start,
///    so a switch never breaks a call already running.
/// 8. The handler runs with `Principal.current`, the presented token, `ChannelDecision.current`
///    and the audit context (method and peer) set; a unary call under ``CallTimeLimit``.
///
/// One interceptor rather than a chain of them: each link of a chain of eleven generic
/// interceptors was an async frame with its own closures and generic metadata lookups, and each
/// worked out the method's name again. What depends only on the method is worked out once per
/// method at start-up (``Route``).
struct PlatformInterceptor: ServerInterceptor {
    /// What the interceptor needs to know of one method.
    struct Route: Sendable {
        let method: String
        let service: String
        let policy: AccessPolicy?
        let rateLimited: Bool
        /// Every method but a server-streaming one (a subscription lives on).
        let timeLimited: Bool
        /// A plugin's server-streaming method, counted as a watcher.
        let watched: Bool
        /// Whether replies are produced after the handler returns (server and bidirectional
        /// streaming), so the producer needs the caller's task locals too.
        let streamsReplies: Bool
        let metrics: PlatformMetrics.MethodCollectors
    }

    struct Settings {
        var policies: [String: AccessPolicy]
        var rateLimitedMethods: Set<String>
        var watchedMethods: Set<String>
    }

    private let routes: [MethodDescriptor: Route]
    private let metrics: PlatformMetrics
    private let errors: ErrorMapping
    private let authentication: Authentication
    private let rateLimit: RateLimit
    private let timeLimit: CallTimeLimit
    private let watchers: WatcherLimits
    private let registry: ModuleRegistry

    init(
        methods: [MethodDescriptor], settings: Settings, metrics: PlatformMetrics, errors: ErrorMapping,
        authentication: Authentication, rateLimit: RateLimit, timeLimit: CallTimeLimit, watchers: WatcherLimits, registry: ModuleRegistry
    ) {
        (self.metrics, self.errors, self.authentication, self.rateLimit) = (metrics, errors, authentication, rateLimit)
        (self.timeLimit, self.watchers, self.registry) = (timeLimit, watchers, registry)
        var routes: [MethodDescriptor: Route] = [:]
        for method in methods { routes[method] = Self.route(method, settings: settings, metrics: metrics) }
        self.routes = routes
    }

    private static func route(_ descriptor: MethodDescriptor, settings: Settings, metrics: PlatformMetrics) -> Route {
        let method = descriptor.fullyQualifiedMethod
        return Route(
            method: method, service: descriptor.service.fullyQualifiedService, policy: settings.policies[method],
            rateLimited: settings.rateLimitedMethods.contains(method),
            timeLimited: descriptor.type != .serverStreaming, watched: settings.watchedMethods.contains(method),
            streamsReplies: descriptor.type == .serverStreaming || descriptor.type == .bidirectionalStreaming,
            metrics: metrics.collectors(for: descriptor))
    }

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let start = ContinuousClock.now
        // The server routes only the methods it was built with, and every one has a route.
        guard let route = routes[context.descriptor] else {
            throw RPCError(code: .unimplemented, message: "no route for \(context.descriptor.fullyQualifiedMethod)")
        }
        var forwarded = context
        var origin: Channel?
        if context.remotePeer.hasPrefix("in-process") {
            let named = ForwardedPeer.read(request.metadata)
            origin = named.origin
            if let peer = named.peer { forwarded.remotePeer = peer }
        }
        let (context, peer) = (forwarded, forwarded.remotePeer)
        let (errors, metrics) = (self.errors, route.metrics)
        @Sendable func fail(_ error: any Error) -> RPCError {
            let mapped = errors.map(error, method: route.method, peer: peer)
            metrics.record(code: mapped.code, duration: .now - start)
            return mapped
        }
        var watcher: String?
        do {
            let caller = try await authentication.caller(request.metadata, context: context)
            let scope = CallScope(
                principal: caller?.principal, presented: caller?.presented, origin: origin,
                channel: ChannelDecision.decide(principal: caller?.principal, origin: origin))
            if route.rateLimited { try rateLimit.take(peer) }
            try AccessPolicy.admit(route.policy, scope.principal)
            if route.watched {
                let client = WatcherLimits.client(scope.principal, peer: peer)
                try watchers.admit(client)
                watcher = client
            }
            if let module = registry.module(forService: route.service) {
                if !module.enabled { throw ModuleRegistry.switchedOff(module) }
                // An external plugin whose process is down: its calls only (ExternalPlugins).
                if !module.reachable { throw ModuleRegistry.interrupted(module.manifest.nameZH) }
            }
            let timeLimit = route.timeLimited ? self.timeLimit : nil
            var response = try await scope.bind {
                try await AuditContext.$method.withValue(route.method) {
                    try await AuditContext.$peer.withValue(peer) {
                        guard let timeLimit else { return try await next(request, context) }
                        return try await timeLimit.run { try await next(request, context) }
                    }
                }
            }
            switch response.accepted {
            case .failure(let error):
                if let watcher { watchers.release(watcher) }
                response.accepted = .failure(fail(error))
            case .success(var contents):
                let (producer, watchers, streams) = (contents.producer, self.watchers, route.streamsReplies)
                let admitted = watcher
                contents.producer = { writer in
                    defer { if let admitted { watchers.release(admitted) } }
                    do {
                        let trailers = streams ? try await scope.bind { try await producer(writer) } : try await producer(writer)
                        metrics.record(code: nil, duration: .now - start)
                        return trailers
                    } catch {
                        throw fail(error)
                    }
                }
                response.accepted = .success(contents)
            }
            return response
        } catch {
            if let watcher { watchers.release(watcher) }
            return StreamingServerResponse(error: fail(error))
        }
    }
}

/// The task locals a call's handler runs with, and a streamed reply's producer (which runs
/// after the interceptor has returned, outside its scope).
struct CallScope: Sendable {
    var principal: Principal?
    var presented: Authentication.Presented?
    var origin: Channel?
    var channel: Channel

    func bind<T>(_ body: () async throws -> T) async throws -> T {
        try await ChannelDecision.$current.withValue(channel) {
            try await ForwardedPeer.$origin.withValue(origin) {
                guard let principal else { return try await body() }
                return try await Principal.$current.withValue(principal) {
                    guard let presented else { return try await body() }
                    return try await Authentication.Presented.$current.withValue(presented) { try await body() }
                }
            }
        }
    }
}

/// Gives a call from the HTTP gateway its HTTP client's address as the caller's peer, so rate
/// limits, watcher limits and the audit trail see the real caller rather than `in-process`. Only
/// in-process calls may name a peer this way (``GatewayCaller/forwardedPeerKey``): from a
/// network client the metadata is ignored.
///
/// The same holds for the door an in-process call came in by (``GatewayCaller/originKey``: the
/// portal and gateway say `web`, the WeChat endpoint `wechat`), from which ``ChannelDecision``
/// decides the channel.
enum ForwardedPeer {
    /// The door the host's own in-process call names; nil for a network client.
    @TaskLocal static var origin: Channel?

    /// What an in-process call's metadata names.
    static func read(_ metadata: Metadata) -> (origin: Channel?, peer: String?) {
        let origin = metadata[stringValues: GatewayCaller.originKey].first(where: { _ in true })
            .flatMap(Channel.init(rawValue:)).flatMap { ChannelDecision.origins.contains($0) ? $0 : nil }
        return (origin, metadata[stringValues: GatewayCaller.forwardedPeerKey].first(where: { _ in true }))
    }
}

/// Limits the public methods per caller (token buckets), answering `RESOURCE_EXHAUSTED` with a
/// `google.rpc.RetryInfo` saying when to try again. Callers are told apart by their address.
struct RateLimit: Sendable {
    let limiter: RateLimiter
    let clock = ContinuousClock()
    let origin: ContinuousClock.Instant

    init(limiter: RateLimiter) {
        self.limiter = limiter
        self.origin = clock.now
    }

    /// Takes one call of `peer` from its bucket, or refuses it.
    func take(_ peer: String) throws {
        let elapsed = clock.now - origin
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let decision = limiter.take(Self.caller(peer), now: seconds)
        if !decision.allowed {
            let wait = max(1, Int(decision.retryAfterSeconds.rounded(.up)))
            throw RPCError(GoogleRPCStatus(
                code: .resourceExhausted, message: "操作过于频繁，请\(wait)秒后再试",
                details: [.retryInfo(delay: .seconds(wait))]))
        }
    }

    /// `ipv4:10.1.2.3:51234` → `ipv4:10.1.2.3`: the address without the client's port.
    static func caller(_ peer: String) -> String {
        if peer.hasPrefix("ipv6:["), let close = peer.firstIndex(of: "]") { return String(peer[...close]) }
        guard let colon = peer.lastIndex(of: ":"), peer.hasPrefix("ipv4:") else { return peer }
        return String(peer[..<colon])
    }
}

/// The one place errors become statuses. gRPC turns whatever a handler throws into a failed
/// response: a `FawangError` keeps its code, message and field violations (it is
/// `RPCErrorConvertible`); anything else arrives as `UNKNOWN` with the error as its cause. Those,
/// and internal `FawangError`s, are logged here with the method and answered with a bare
/// `INTERNAL`, so no stack trace, SQL or other user's data ever reaches a client.
///
/// A request the transport refused for its size (``OversizedRequests``) reaches here as an
/// internal error or a cancellation; it is answered, counted and logged as `RESOURCE_EXHAUSTED`.
struct ErrorMapping: Sendable {
    let logger: Logger
    /// Requests over `grpc.max_request_bytes`, seen by the transport watcher; nil maps nothing.
    var oversized: OversizedRequests? = nil

    func map(_ error: any Error, method: String, peer: String) -> RPCError {
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
