import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import GRPCCore
import SwiftProtobuf
import Synchronization
import Testing

/// A plugin with background work and no services, to see how the host runs that work.
struct BackgroundProbePlugin: DepartmentPlugin {
    enum Behaviour: Sendable { case fail, runUntilCancelled }

    final class Events: Sendable {
        let list = Mutex<[String]>([])
        func append(_ event: String) { list.withLock { $0.append(event) } }
        var all: [String] { list.withLock { $0 } }
    }

    let behaviour: Behaviour
    let events = Events()

    var manifest: ModuleManifest { ModuleManifest(id: "probe", nameZH: "探针", nameEN: "Probe", version: "0.0.1", matterTypes: []) }
    var rpcs: [RPCInfo] { [] }
    func makeServices(context: PluginContext) -> [any RegistrableRPCService] { [] }

    func runBackgroundWork(context: PluginContext) async throws {
        events.append("started")
        switch behaviour {
        case .fail:
            throw FawangError(.internalError, "probe failed on purpose")
        case .runUntilCancelled:
            while true {
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    events.append("cancelled")
                    throw error
                }
            }
        }
    }
}

@Suite struct BackgroundWorkTests {
    @Test func failingBackgroundWorkDoesNotStopTheHost() async throws {
        let probe = BackgroundProbePlugin(behaviour: .fail)
        try await TestPlatform.with(plugins: PluginCatalog.all + [probe]) { platform in
            try await eventually("the probe ran") { probe.events.all == ["started"] }
            try await platform.withClient { client in
                let status = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" }).status
                #expect(status == .serving)
                _ = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application())
            }
        }
    }

    @Test func shutdownCancelsRunningBackgroundWork() async throws {
        let probe = BackgroundProbePlugin(behaviour: .runUntilCancelled)
        try await TestPlatform.with(plugins: PluginCatalog.all + [probe]) { _ in
            try await eventually("the probe runs") { probe.events.all == ["started"] }
        }
        #expect(probe.events.all == ["started", "cancelled"])
    }
}
