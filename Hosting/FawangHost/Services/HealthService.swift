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

    /// `watchers` caps the open `Watch` streams (`limits.watchers.*`) and ends one when its client goes.
    init(registry: ModuleRegistry, watchers: WatcherLimits, platformServices: [String]) {
        self.registry = registry
        self.platformServices = platformServices
        self.watchers = watchers
    }

    /// Marks every entry `NOT_SERVING` (graceful shutdown has begun).
    func beginShutdown() {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
        // Wake watchers so they see the change now.
        registry.notifyWatchers()
    }

    func statuses(_ modules: [ModuleRegistry.Module]) -> [String: Status] {
        let down = shuttingDown.load(ordering: .sequentiallyConsistent)
        var statuses: [String: Status] = ["": down ? .notServing : .serving]
        for name in platformServices { statuses[name] = down ? .notServing : .serving }
        for module in modules {
            let status: Status = (module.enabled && !down) ? .serving : .notServing
            statuses[module.manifest.id] = status
            for name in module.serviceNames { statuses[name] = status }
        }
        return statuses
    }

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = statuses(registry.modules)[request.service] else {
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
            var last: Status?
            for await modules in registry.updates() {
                let status = statuses(modules)[request.service] ?? .serviceUnknown
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
