import FawangCore
import FawangPluginKit
import FawangProto
import GRPCCore
import SwiftProtobuf
import Synchronization

/// `grpc.health.v1.Health`: `""` is the host as a whole; each module id and each gRPC service
/// name has its own entry. A switched-off module and its services read `NOT_SERVING`; platform
/// services serve while the host does. During shutdown everything reads `NOT_SERVING`, so load
/// balancers drain the host before it stops.
final class HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private let registry: ModuleRegistry
    private let platformServices: [String]
    private let watchers: WatcherLimits
    private let shuttingDown = Atomic<Bool>(false)
    /// `Watch` streams open now: shutdown lets them see `NOT_SERVING` before the transport quiesces.
    private let openWatches = Atomic<Int>(0)

    /// `watchers` caps the open `Watch` streams (`limits.watchers.*`) and ends one when its client goes.
    init(registry: ModuleRegistry, watchers: WatcherLimits, platformServices: [String]) {
        self.registry = registry
        self.platformServices = platformServices
        self.watchers = watchers
    }

    /// Marks every entry `NOT_SERVING` (graceful shutdown has begun) and waits, at most `drain`,
    /// until every open `Watch` stream has written `NOT_SERVING` and ended.
    ///
    /// The wait matters because quiescing the HTTP/2 transport cancels every RPC still running
    /// (grpc-swift-nio-transport's `ChannelShouldQuiesceEvent`): a watcher still on its way to the
    /// last write would end `CANCELLED` instead of telling its load balancer to drain.
    func beginShutdown(drain: Duration) async {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
        // Wake watchers so they see the change now.
        registry.notifyWatchers()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: drain)
        while openWatches.load(ordering: .sequentiallyConsistent) > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    func statuses(_ modules: [ModuleRegistry.Module]) -> [String: Status] {
        let down = shuttingDown.load(ordering: .sequentiallyConsistent)
        var statuses: [String: Status] = ["": down ? .notServing : .serving]
        for name in platformServices { statuses[name] = down ? .notServing : .serving }
        for module in modules {
            let status: Status = (module.enabled && module.reachable && !down) ? .serving : .notServing
            statuses[module.manifest.id] = status
            for name in module.serviceNames { statuses[name] = status }
        }
        return statuses
    }

    /// One entry of ``statuses(_:)`` without building them all (a check runs on every probe).
    func status(of name: String, _ modules: [ModuleRegistry.Module]) -> Status? {
        let down = shuttingDown.load(ordering: .sequentiallyConsistent)
        // As in the dictionary: the last module naming it wins, over the platform's entries.
        if !name.isEmpty, let module = modules.last(where: { $0.manifest.id == name || $0.serviceNames.contains(name) }) {
            return (module.enabled && module.reachable && !down) ? .serving : .notServing
        }
        if name.isEmpty || platformServices.contains(name) { return down ? .notServing : .serving }
        return nil
    }

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = status(of: request.service, registry.modules) else {
            throw RPCError(code: .notFound, message: "unknown service \"\(request.service)\"")
        }
        return .with { $0.status = status }
    }

    func list(request: Grpc_Health_V1_HealthListRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthListResponse {
        .with { response in
            for (name, status) in statuses(registry.modules) {
                response.statuses[name] = .with { $0.status = status }
            }
        }
    }

    func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        // Ends (and leaves the registry's watchers) as soon as the client goes, not at the next
        // change; refused with RESOURCE_EXHAUSTED past `limits.watchers.*`.
        try await watchers.watch(context: context) { [self] in
            openWatches.add(1, ordering: .sequentiallyConsistent)
            defer { openWatches.subtract(1, ordering: .sequentiallyConsistent) }
            var last: Status?
            for await modules in registry.updates() {
                let status = status(of: request.service, modules) ?? .serviceUnknown
                if status != last {
                    try await response.write(.with { $0.status = status })
                    last = status
                }
                // The host is going away: the watcher has seen NOT_SERVING; end the stream so the
                // graceful shutdown does not wait for it.
                if shuttingDown.load(ordering: .sequentiallyConsistent) { return }
            }
        }
    }
}
