import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2
import Synchronization

/// Requests refused for a message over `grpc.max_request_bytes`, so the host can count and log
/// them as `RESOURCE_EXHAUSTED`.
///
/// grpc-swift-nio-transport (2.9) refuses such a message while deframing, but replaces its own
/// `RESOURCE_EXHAUSTED` with `INTERNAL` ("Failed to decode message") and closes the stream: the
/// handler then sees an internal error (or an empty request stream) and the client a reset. The
/// client's view cannot be changed from here; the server's can. ``Watcher`` sits first in each
/// HTTP/2 stream's pipeline, reads the 5-byte gRPC prefix of each request message and, when the
/// announced length is over the limit, records the stream's peer and method before the
/// transport fails it. ``ErrorMapping`` then answers (and ``PlatformMetrics``
/// counts) that call as `RESOURCE_EXHAUSTED`, logged as such.
final class OversizedRequests: Sendable {
    let limit: Int
    private let pending = Mutex<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    private static func key(peer: String, method: String) -> String { "\(peer) \(method)" }

    fileprivate func record(peer: String, method: String) {
        pending.withLock { $0[Self.key(peer: peer, method: method), default: 0] += 1 }
    }

    /// Whether a call of `method` from `peer` failed because its request was over the limit
    /// (consumes the record).
    func take(peer: String, method: String) -> Bool {
        pending.withLock { pending in
            let key = Self.key(peer: peer, method: method)
            guard let count = pending[key] else { return false }
            pending[key] = count > 1 ? count - 1 : nil
            return true
        }
    }

    /// The refusal a client is owed (when the transport lets it through).
    var error: RPCError {
        RPCError(code: .resourceExhausted, message: "请求内容过大：单个请求不能超过\(limit)字节，请删减内容或分次提交")
    }

    /// The peer as grpc-swift-nio-transport writes it in `ServerContext.remotePeer`.
    static func peer(of channel: any Channel) -> String {
        switch channel.remoteAddress {
        case .v4(let address)?: "ipv4:\(address.host):\(channel.remoteAddress?.port ?? 0)"
        case .v6(let address)?: "ipv6:[\(address.host)]:\(channel.remoteAddress?.port ?? 0)"
        case .unixDomainSocket?: "unix:\(channel.remoteAddress?.pathname ?? channel.localAddress?.pathname ?? "<unknown>")"
        case nil: "<unknown>"
        }
    }

    /// Reads one stream's frames as they pass, never changing them. The peer and method are
    /// worked out only for a message over the limit. Installed first in each accepted HTTP/2
    /// stream's pipeline (`HTTP2ServerTransport.Config.ChannelDebuggingCallbacks.onAcceptHTTP2Stream`).
    final class Watcher: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTP2Frame.FramePayload
        typealias InboundOut = HTTP2Frame.FramePayload

        let registry: OversizedRequests
        private var headers: HPACKHeaders?
        /// The prefix of the next message: how many of its 5 bytes were read, and its length so far.
        private var prefixRead = 0
        private var length = 0
        /// Bytes of the current message still to skip.
        private var remaining = 0
        private var done = false

        init(registry: OversizedRequests) {
            self.registry = registry
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch Self.unwrapInboundIn(data) {
            case .headers(let frame) where headers == nil:
                headers = frame.headers
            case .data(let frame) where !done:
                if case .byteBuffer(var buffer) = frame.data { scan(&buffer, context: context) }
            default:
                break
            }
            context.fireChannelRead(data)
        }

        private func scan(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
            while buffer.readableBytes > 0, !done {
                if remaining > 0 {
                    let skipped = min(remaining, buffer.readableBytes)
                    buffer.moveReaderIndex(forwardBy: skipped)
                    remaining -= skipped
                    continue
                }
                guard let byte = buffer.readInteger(as: UInt8.self) else { return }
                // Byte 0 is the compression flag, bytes 1–4 the length (big-endian).
                if prefixRead > 0 { length = length << 8 | Int(byte) }
                prefixRead += 1
                guard prefixRead == 5 else { continue }
                defer { (prefixRead, length) = (0, 0) }
                if length > registry.limit {
                    // `/package.Service/Method` → `package.Service/Method`, as MethodDescriptor names it.
                    let method = headers?.first(name: ":path").map { String($0.drop { $0 == "/" }) } ?? ""
                    registry.record(peer: OversizedRequests.peer(of: context.channel), method: method)
                    done = true
                } else {
                    remaining = length
                }
            }
        }
    }
}
