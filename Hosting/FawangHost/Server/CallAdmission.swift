import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import Synchronization

/// Calls in flight per client and in all, capped where each HTTP/2 stream starts
/// (`limits.calls_in_flight.*`): the flood of one client is shed before it costs the host a
/// handler, so other clients keep their latency.
///
/// - A ``Gate`` sits first in each accepted stream's pipeline and reads the request's headers.
///   The client is the bearer token the call presents (one signed-in session), or else the
///   network address without its port.
/// - Over either cap the call is answered at once, on the event loop, with a trailers-only
///   `RESOURCE_EXHAUSTED` (`当前请求过多，请稍后再试`). Its frames never reach grpc-swift, so no
///   deserialising, interceptor or handler runs for it, and it is counted in
///   `fawang_rpc_refused_total`, not `fawang_rpc_calls_total`.
/// - The refused call's connection is then not read from for ``pause`` (``pauseReading(_:)``).
/// - An admitted call counts until its stream closes. Streams per connection are capped by
///   HTTP/2 itself (`grpc.max_concurrent_streams`).
final class CallAdmission: Sendable {
    let perClient: Int
    let total: Int
    private let counts = Mutex<(byClient: [String: Int], total: Int, refused: Int)>(([:], 0, 0))

    init(perClient: Int, total: Int) {
        self.perClient = perClient
        self.total = total
    }

    static let refusal = "当前请求过多，请稍后再试"

    /// Admits a call of `client` if both caps allow it.
    func enter(_ client: String) -> Bool {
        counts.withLock { counts in
            let mine = counts.byClient[client, default: 0]
            guard mine < perClient, counts.total < total else {
                counts.refused += 1
                return false
            }
            counts.byClient[client] = mine + 1
            counts.total += 1
            return true
        }
    }

    func leave(_ client: String) {
        counts.withLock { counts in
            let mine = counts.byClient[client, default: 1] - 1
            counts.byClient[client] = mine > 0 ? mine : nil
            counts.total -= 1
        }
    }

    /// Calls in flight now, and calls refused since start.
    var figures: (inFlight: Int, refused: Int) { counts.withLock { ($0.total, $0.refused) } }

    /// The caller's address without the port, as ``RateLimit`` tells callers apart.
    static func address(of channel: any Channel) -> String {
        RateLimit.caller(OversizedRequests.peer(of: channel))
    }

    /// The client a request's headers name: its bearer token, else its address (worked out only
    /// then).
    static func client(_ headers: HPACKHeaders, address: () -> String) -> String {
        if let authorization = headers.first(name: "authorization"), authorization.hasPrefix("Bearer ") { return authorization }
        return address()
    }

    /// Admits or refuses one stream on its first headers; a refused stream's frames go no further.
    /// Installed first in each accepted HTTP/2 stream's pipeline
    /// (`HTTP2ServerTransport.Config.ChannelDebuggingCallbacks.onAcceptHTTP2Stream`).
    final class Gate: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTP2Frame.FramePayload
        typealias InboundOut = HTTP2Frame.FramePayload
        typealias OutboundOut = HTTP2Frame.FramePayload

        private enum State {
            case waiting
            case admitted(String)
            case refused
            case done
        }

        let admission: CallAdmission
        private var state = State.waiting

        init(admission: CallAdmission) {
            self.admission = admission
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch state {
            case .waiting:
                guard case .headers(let headers) = Self.unwrapInboundIn(data) else { break }
                let client = CallAdmission.client(headers.headers) { CallAdmission.address(of: context.channel) }
                if admission.enter(client) {
                    state = .admitted(client)
                } else {
                    state = .refused
                    refuse(context: context)
                    if let connection = context.channel.parent { CallAdmission.pauseReading(connection) }
                    return
                }
            case .refused:
                return
            case .admitted, .done:
                break
            }
            context.fireChannelRead(data)
        }

        /// A trailers-only response: HTTP 200 with the gRPC status in the one HEADERS frame.
        private func refuse(context: ChannelHandlerContext) {
            let headers: HPACKHeaders = [
                ":status": "200", "content-type": "application/grpc", "grpc-status": "8",
                "grpc-message": CallAdmission.percentEncodedRefusal,
            ]
            context.writeAndFlush(Self.wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            release()
            context.fireChannelInactive()
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            release()
        }

        private func release() {
            if case .admitted(let client) = state { admission.leave(client) }
            state = .done
        }
    }

    /// How long a connection is not read from after one of its calls was refused.
    static let pause: TimeAmount = .milliseconds(250)

    /// Stops reading `connection` for ``pause``: a client that keeps calls coming over the cap
    /// (a closed loop resends as fast as refusals come back) is slowed down by TCP's own flow
    /// control, at no cost to the host, instead of being refused thousands of times a second on
    /// the CPU other clients need. Its admitted calls' replies still go out. Runs on the
    /// connection's event loop, which its streams share.
    static func pauseReading(_ connection: any Channel) {
        guard let options = connection.syncOptions, (try? options.getOption(ChannelOptions.autoRead)) == true else { return }
        try? options.setOption(ChannelOptions.autoRead, value: false)
        connection.eventLoop.scheduleTask(in: pause) {
            // Setting it back reads at once.
            try? connection.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        }
    }

    /// `grpc-message` is percent-encoded UTF-8 (gRPC over HTTP/2, "Responses").
    static let percentEncodedRefusal: String = refusal.utf8.map { byte in
        (0x20...0x7E).contains(byte) && byte != UInt8(ascii: "%") ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
    }.joined()
}
