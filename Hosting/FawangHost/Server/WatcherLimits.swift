import FawangCore
import GRPCCore
import Synchronization

/// The open watch streams (`grpc.health.v1.Health/Watch`, `DeadlineService/WatchAlerts`, and every
/// plugin's server-streaming method such as `PublicityService/Subscribe`): how
/// many each client and the host as a whole may hold, and the end of a watcher as soon as its
/// client goes.
///
/// Both methods are long-lived and `Health/Watch` is public, so without a cap any caller could
/// hold thousands of them open. A client is the signed-in account, or for anonymous callers the
/// peer address without its port (as for the public rate limit). Extra watchers are refused with
/// `RESOURCE_EXHAUSTED` and a Chinese message naming the limit.
///
/// Config keys (read at start-up, see docs/configuration.md):
/// - `limits.watchers.per_client` (default 16): open watchers per client.
/// - `limits.watchers.total` (default 1000): open watchers on this host.
///
/// gRPC signals a cancelled RPC (the client went away, reset the stream or lost the connection)
/// through `ServerContext.cancellation`, not by cancelling the handler's task: ``watch(context:_:)``
/// turns that signal into task cancellation, which ends the handler's `for await` loop at once and
/// frees its place, instead of lingering until the next change tries to write to a dead stream.
final class WatcherLimits: Sendable {
    let perClient: Int
    let total: Int
    private let open = Mutex<(total: Int, byClient: [String: Int])>((0, [:]))

    init(perClient: Int, total: Int) {
        self.perClient = perClient
        self.total = total
    }

    /// The caller as the limits count it: the account if signed in, else the peer's address.
    static func client(of context: ServerContext) -> String {
        client(Principal.current, peer: context.remotePeer)
    }

    static func client(_ principal: Principal?, peer: String) -> String {
        if let principal { return "account:\(principal.accountID)" }
        return "peer:" + RateLimit.caller(peer)
    }

    /// The number of watchers open now (for tests and diagnostics).
    var count: Int { open.withLock { $0.total } }

    func admit(_ client: String) throws(RPCError) {
        let refusal: String? = open.withLock { state in
            if state.byClient[client, default: 0] >= perClient {
                return "同时保持的监听数量已达上限（每个客户端最多\(perClient)个），请先关闭不再使用的监听后再试"
            }
            if state.total >= total {
                return "平台当前的监听数量已达上限（共\(total)个），请稍后再试"
            }
            state.total += 1
            state.byClient[client, default: 0] += 1
            return nil
        }
        if let refusal { throw RPCError(code: .resourceExhausted, message: refusal) }
    }

    func release(_ client: String) {
        open.withLock { state in
            state.total -= 1
            let left = state.byClient[client, default: 1] - 1
            state.byClient[client] = left > 0 ? left : nil
        }
    }

    /// Runs `body` (a watch handler's loop) as one watcher of the caller, if the limits allow.
    /// When gRPC cancels the RPC, `body`'s task is cancelled and the call ends with `CANCELLED`.
    func watch(context: ServerContext, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let client = Self.client(of: context)
        try admit(client)
        defer { release(client) }
        let cancellation = context.cancellation
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask {
                // Throws CancellationError when the RPC is cancelled, or when `body` ended first and
                // the group cancels this waiter.
                try await cancellation.cancelled
                throw CancellationError()
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}
