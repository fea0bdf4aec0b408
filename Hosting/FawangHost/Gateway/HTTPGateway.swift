import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SwiftProtobuf

/// The HTTP front door (`http.*`): every gRPC method at `POST /<package.Service>/<Method>`, served
/// by calling the host's own gRPC services in-process (``GatewayCaller``), so identity, rate
/// limits, access rules, module switches, audit and metrics are the ones gRPC clients meet.
///
/// Protocols, chosen by `Content-Type`:
/// - Connect unary: `application/json` (proto3 JSON) or `application/proto`; errors are Connect
///   JSON errors (`code`, `message`, `details` with each `google.rpc` detail) with the HTTP status
///   the Connect protocol assigns to the code.
/// - Connect server streaming: `application/connect+json` or `application/connect+proto`
///   (`Health/Watch`, `DeadlineService/WatchAlerts`): enveloped messages, then an end-of-stream
///   envelope carrying the error if the call failed.
/// - gRPC-Web: `application/grpc-web(+proto)` and `application/grpc-web-text(+proto)`, unary and
///   server streaming, the status in a trailer frame.
///
/// Also `GET /openapi.json` (``OpenAPI``), generated from the protos. Every response carries the
/// security headers (CSP, no-sniff, frame-deny, no-referrer, no-store); CORS is off unless
/// `http.cors_origin` names the one origin allowed; request bodies over `http.max_request_bytes`
/// are refused with `RESOURCE_EXHAUSTED` (HTTP 413) before they reach a service.
struct HTTPGateway: Sendable {
    let caller: GatewayCaller
    let maxRequestBytes: Int
    let corsOrigin: String?
    let openAPI: [UInt8]
    let logger: Logger
    private let methods: [String: Route]

    /// A method the gateway forwards: a compiled-in one, whose message types it knows (JSON and
    /// protobuf), or an external plugin's, served in protobuf only (the host has no Swift types
    /// for its messages to write JSON with).
    struct Route: Sendable {
        let descriptor: MethodDescriptor
        let serverStreaming: Bool
        let types: (input: any SwiftProtobuf.Message.Type, output: any SwiftProtobuf.Message.Type)?
    }

    /// `http.trusted_proxies`: whose `X-Forwarded-For` names the client.
    let trustedProxies: TrustedProxies

    init(
        caller: GatewayCaller, servedServices: Set<String>, external: [MethodDescriptor] = [], maxRequestBytes: Int, corsOrigin: String?,
        trustedProxies: TrustedProxies = TrustedProxies(ranges: []), openAPI: [UInt8], logger: Logger
    ) {
        self.caller = caller
        self.trustedProxies = trustedProxies
        self.maxRequestBytes = maxRequestBytes
        self.corsOrigin = corsOrigin
        self.openAPI = openAPI
        self.logger = logger
        var methods: [String: Route] = [:]
        for entry in FawangMethods.all where servedServices.contains(entry.descriptor.service.fullyQualifiedService) {
            methods[entry.descriptor.fullyQualifiedMethod] = Route(
                descriptor: entry.descriptor, serverStreaming: entry.serverStreaming, types: (entry.input, entry.output))
        }
        // HTTP carries one request message: an external plugin's client-streaming methods are
        // for gRPC clients.
        for method in external where method.type == .unary || method.type == .serverStreaming {
            methods[method.fullyQualifiedMethod] = Route(descriptor: method, serverStreaming: method.type == .serverStreaming, types: nil)
        }
        self.methods = methods
    }

    /// The methods served, as `package.Service/Method`.
    var paths: [String] { methods.keys.sorted() }

    func router() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        // First: every route after it (the RPCs, the portal) sees the client behind the proxy.
        if !trustedProxies.ranges.isEmpty { router.add(middleware: ForwardedForMiddleware(proxies: trustedProxies)) }
        router.add(middleware: SecurityHeadersMiddleware())
        if let corsOrigin {
            router.add(middleware: CORSMiddleware(
                allowOrigin: .custom(corsOrigin),
                allowHeaders: [.contentType, .authorization, .init("Connect-Protocol-Version")!, .init("Connect-Timeout-Ms")!,
                               .init("X-Grpc-Web")!, .init("X-User-Agent")!, .init("Grpc-Timeout")!],
                allowMethods: [.get, .post, .options],
                exposedHeaders: ["Grpc-Status", "Grpc-Message", "Grpc-Status-Details-Bin", "Retry-After"]))
        }
        router.get("/openapi.json") { [openAPI] _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        router.get("/healthz") { _, _ -> String in "ok\n" }
        router.post(":service/:method") { request, context in
            try await handle(request, context: context)
        }
        return router
    }

    // MARK: Dispatch

    enum Wire {
        case connectJSON, connectProto, connectStreamJSON, connectStreamProto, grpcWeb, grpcWebText
    }

    static func wire(_ contentType: String?) -> Wire? {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "application/json": return .connectJSON
        case "application/proto": return .connectProto
        case "application/connect+json": return .connectStreamJSON
        case "application/connect+proto": return .connectStreamProto
        case "application/grpc-web", "application/grpc-web+proto": return .grpcWeb
        case "application/grpc-web-text", "application/grpc-web-text+proto": return .grpcWebText
        default: return nil
        }
    }

    func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let path = "\(context.parameters.get("service") ?? "")/\(context.parameters.get("method") ?? "")"
        let wire = Self.wire(request.headers[.contentType])
        guard let entry = methods[path] else {
            return connectErrorResponse(RPCError(code: .unimplemented, message: "没有这个方法：/\(path)（可用的方法见 /openapi.json）"), status: .notFound)
        }
        guard let wire else {
            return connectErrorResponse(
                RPCError(code: .invalidArgument, message: "不支持的 Content-Type：\(request.headers[.contentType] ?? "（未提供）")；请用 application/json、application/proto、application/connect+json 或 application/grpc-web+proto"),
                status: .unsupportedMediaType)
        }
        let streaming: Bool = switch wire {
        case .connectJSON, .connectProto: false
        case .connectStreamJSON, .connectStreamProto: true
        case .grpcWeb, .grpcWebText: entry.serverStreaming
        }
        if streaming != entry.serverStreaming {
            let hint = entry.serverStreaming ? "流式方法请用 application/connect+json 或 gRPC-Web" : "一元方法请用 application/json 或 application/proto"
            return connectErrorResponse(RPCError(code: .invalidArgument, message: "/\(path) 的 Content-Type 不对：\(hint)"), status: .unsupportedMediaType)
        }
        if entry.types == nil, wire == .connectJSON || wire == .connectStreamJSON {
            return connectErrorResponse(
                RPCError(code: .invalidArgument, message: "/\(path) 由外部插件提供，网关只以 protobuf 转发：请用 application/proto、application/connect+proto 或 gRPC-Web"),
                status: .unsupportedMediaType)
        }

        var body: [UInt8]
        do {
            var request = request
            body = Array(buffer: try await request.collectBody(upTo: maxRequestBytes))
        } catch is NIOTooManyBytesError {
            let error = RPCError(code: .resourceExhausted, message: "请求过大：请求体不能超过\(maxRequestBytes)字节")
            return isGRPCWeb(wire) ? grpcWebResponse(wire, frames: [], error: error) : connectErrorResponse(error, status: .contentTooLarge)
        }
        var metadata = GatewayCaller.metadata(peer: context.peer)
        if let authorization = request.headers[.authorization] { metadata.addString(authorization, forKey: "authorization") }
        let timeout = Self.timeout(request.headers, wire: wire)

        do {
            let message = try Self.requestMessage(body, wire: wire, entry: entry)
            if streaming { return streamingResponse(entry, message, metadata: metadata, timeout: timeout, wire: wire) }
            if isGRPCWeb(wire) {
                do {
                    let reply = try await caller.unary(entry.descriptor, message, metadata: metadata, timeout: timeout)
                    return grpcWebResponse(wire, frames: [Envelope.encode(reply)], error: nil)
                } catch let error as RPCError {
                    return grpcWebResponse(wire, frames: [], error: error)
                }
            }
            let reply = try await caller.unary(entry.descriptor, message, metadata: metadata, timeout: timeout)
            let json = wire == .connectJSON
            let bytes = try json ? ProtoJSON.encode(entry.types!.output, binary: reply) : reply
            return Response(
                status: .ok, headers: [.contentType: json ? "application/json" : "application/proto"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        } catch let error as RPCError {
            if isGRPCWeb(wire) { return grpcWebResponse(wire, frames: [], error: error) }
            if wire == .connectStreamJSON || wire == .connectStreamProto {
                return Response(status: .ok, headers: [.contentType: Self.contentType(wire)], body: .init(byteBuffer: ByteBuffer(bytes: Self.endOfStream(error))))
            }
            return connectErrorResponse(error, status: ConnectError.httpStatus(error.code))
        }
    }

    /// The request as serialized protobuf, whatever the wire format.
    /// An external plugin's request (no types here) goes as it came: the plugin checks it.
    static func requestMessage(_ body: [UInt8], wire: Wire, entry: Route) throws(RPCError) -> [UInt8] {
        let check: (([UInt8]) throws(RPCError) -> Void) = { bytes throws(RPCError) in
            if let input = entry.types?.input { try ProtoJSON.check(input, binary: bytes) }
        }
        // JSON wires are refused for a route without types before this is asked.
        switch wire {
        case .connectJSON:
            return try ProtoJSON.decode(entry.types!.input, json: body)
        case .connectProto:
            try check(body)
            return body
        case .connectStreamJSON:
            return try ProtoJSON.decode(entry.types!.input, json: try Envelope.singleMessage(body))
        case .connectStreamProto, .grpcWeb:
            let message = try Envelope.singleMessage(body)
            try check(message)
            return message
        case .grpcWebText:
            guard let decoded = Data(base64Encoded: String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw RPCError(code: .invalidArgument, message: "application/grpc-web-text 的请求体须为 base64")
            }
            let message = try Envelope.singleMessage(Array(decoded))
            try check(message)
            return message
        }
    }

    /// The deadline the client asked for: `Connect-Timeout-Ms`, or gRPC-Web's `grpc-timeout`.
    static func timeout(_ headers: HTTPFields, wire: Wire) -> Duration? {
        if let name = HTTPField.Name("Connect-Timeout-Ms"), let text = headers[name], let ms = Int64(text), ms > 0 {
            return .milliseconds(ms)
        }
        if let name = HTTPField.Name("Grpc-Timeout"), let text = headers[name], let unit = text.last, let value = Int64(text.dropLast()), value > 0 {
            switch unit {
            case "H": return .seconds(value * 3600)
            case "M": return .seconds(value * 60)
            case "S": return .seconds(value)
            case "m": return .milliseconds(value)
            case "u": return .microseconds(value)
            case "n": return .nanoseconds(value)
            default: return nil
            }
        }
        return nil
    }

    func isGRPCWeb(_ wire: Wire) -> Bool { wire == .grpcWeb || wire == .grpcWebText }

    static func contentType(_ wire: Wire) -> String {
        switch wire {
        case .connectJSON: "application/json"
        case .connectProto: "application/proto"
        case .connectStreamJSON: "application/connect+json"
        case .connectStreamProto: "application/connect+proto"
        case .grpcWeb: "application/grpc-web+proto"
        case .grpcWebText: "application/grpc-web-text+proto"
        }
    }

    // MARK: Responses

    func connectErrorResponse(_ error: RPCError, status: HTTPResponse.Status) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let seconds = ConnectError.retryAfterSeconds(error) { headers[.retryAfter] = "\(seconds)" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: ConnectError.json(error))))
    }

    /// A whole gRPC-Web body: the message frames, then the trailers (HTTP 200 even on error, as
    /// the protocol has it).
    func grpcWebResponse(_ wire: Wire, frames: [[UInt8]], error: RPCError?) -> Response {
        let body = frames.flatMap { $0 } + GRPCWeb.trailers(error)
        let bytes = wire == .grpcWebText ? Array(Data(body).base64EncodedString().utf8) : body
        return Response(status: .ok, headers: [.contentType: Self.contentType(wire)], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Connect's end-of-stream envelope: `{}` after success, `{"error": …}` after a failure.
    static func endOfStream(_ error: RPCError?) -> [UInt8] {
        let object: [String: Any] = error.map { ["error": ConnectError.object($0)] } ?? [:]
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Envelope.encode(Array(json), flags: Envelope.endStreamFlag)
    }

    /// A server-streaming call, written frame by frame as the service sends; the call is
    /// cancelled when the HTTP client goes away.
    func streamingResponse(_ entry: Route, _ message: [UInt8], metadata: Metadata, timeout: Duration?, wire: Wire) -> Response {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        let caller = self.caller
        let encode: @Sendable ([UInt8]) -> [UInt8] = { bytes in
            wire == .grpcWebText ? Array(Data(bytes).base64EncodedString().utf8) : bytes
        }
        let task = caller.streams.start {
            var failure: RPCError?
            do {
                try await caller.serverStreaming(entry.descriptor, message, metadata: metadata, timeout: timeout) { reply in
                    let payload = try wire == .connectStreamJSON ? ProtoJSON.encode(entry.types!.output, binary: reply) : reply
                    continuation.yield(ByteBuffer(bytes: encode(Envelope.encode(payload))))
                }
            } catch let error as RPCError {
                failure = error
            } catch {
                failure = RPCError(code: .cancelled, message: "调用已取消")
            }
            let last = isGRPCWeb(wire) ? GRPCWeb.trailers(failure) : Self.endOfStream(failure)
            continuation.yield(ByteBuffer(bytes: encode(last)))
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return Response(status: .ok, headers: [.contentType: Self.contentType(wire)], body: .init(asyncSequence: stream))
    }
}

/// A request's context with the client's address, which the gateway forwards as the caller's peer.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client's address from a trusted proxy's `X-Forwarded-For` (``ForwardedForMiddleware``).
    var forwardedClient: String?

    /// The client as gRPC names peers (`ipv4:10.0.0.7:51234`), for rate limits and the audit
    /// trail; behind a trusted proxy, the address it forwarded (port 0: not known).
    var peer: String {
        if let client = forwardedClient {
            return client.contains(":") ? "ipv6:[\(client)]:0" : "ipv4:\(client):0"
        }
        return switch remoteAddress {
        case .v4(let address): "ipv4:\(address.host):\(remoteAddress?.port ?? 0)"
        case .v6(let address): "ipv6:[\(address.host)]:\(remoteAddress?.port ?? 0)"
        default: "http:unknown"
        }
    }
}

/// Security headers on every gateway response: a strict CSP, no MIME sniffing, no framing, no
/// referrer, and no caching of answers that may hold personal data.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    static let headers: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for field in Self.headers where response.headers[field.name] == nil { response.headers.append(field) }
        return response
    }
}

/// The gateway as a lifecycle service: the HTTP listener, and the in-process client it calls
/// the services with. On graceful shutdown the listener stops taking requests and finishes those
/// in flight; then the client closes.
struct GatewayService: Service, CustomStringConvertible {
    let gateway: HTTPGateway
    /// The public portal's pages, on the same listener.
    let portal: Portal?
    let host: String
    let port: Int
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    var description: String { "HTTP gateway \(host):\(port)" }

    func run() async throws {
        let client = gateway.caller.client
        let router = gateway.router()
        portal?.add(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "fawang"),
            onServerRunning: { [onListening, logger] channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("HTTP gateway listening", metadata: ["http.port": "\(port)"])
                await onListening(port)
            },
            logger: logger)
        let streams = gateway.caller.streams
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.runConnections() }
            do {
                // Streams first: the listener finishes the requests in flight, and a watch
                // stream never finishes on its own.
                try await withGracefulShutdownHandler {
                    try await app.run()
                } onGracefulShutdown: {
                    streams.closeAll()
                }
            } catch {
                client.beginGracefulShutdown()
                throw FawangError(.unavailable, "cannot listen for HTTP on \(host):\(port): \(error). If another process holds the port, stop it or set http.port (0 picks a free port), or http.enabled: false")
            }
            client.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
