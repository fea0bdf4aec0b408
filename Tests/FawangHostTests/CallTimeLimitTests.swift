import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import Testing

/// A plugin with one deliberately slow method, to see the server's time limit act.
struct SlowProbePlugin: DepartmentPlugin {
    static let sleep = MethodDescriptor(fullyQualifiedService: "fawang.test.v1.Probe", method: "Sleep")

    struct Service: RegistrableRPCService {
        func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
            router.registerHandler(forMethod: SlowProbePlugin.sleep, deserializer: RawBytes(), serializer: RawBytes()) { request, _ in
                for try await _ in request.messages {}
                try await Task.sleep(for: .seconds(30))
                return StreamingServerResponse(single: ServerResponse(message: [UInt8]()))
            }
        }
    }

    var manifest: ModuleManifest { ModuleManifest(id: "slow-probe", nameZH: "慢探针", nameEN: "Slow probe", version: "0.0.1", matterTypes: []) }
    var serviceNames: [String] { ["fawang.test.v1.Probe"] }
    var accessPolicies: [String: AccessPolicy] { [Self.sleep.fullyQualifiedMethod: .anyone] }
    func makeServices(context: PluginContext) -> [any RegistrableRPCService] { [Service()] }
}

@Suite struct CallTimeLimitTests {
    @Test func aSlowCallEndsWithDeadlineExceededAndTheServerServesOn() async throws {
        try await TestPlatform.with(extraConfig: "grpc.max_call_seconds: 1\n", plugins: PluginCatalog.all + [SlowProbePlugin()]) { platform in
            try await platform.withClient { client in
                do {
                    _ = try await client.unary(
                        request: ClientRequest(message: [UInt8]()), descriptor: SlowProbePlugin.sleep,
                        serializer: RawBytes(), deserializer: RawBytes(), options: .defaults
                    ) { try $0.message }
                    Issue.record("the slow call completed")
                } catch let error as RPCError {
                    #expect(error.code == .deadlineExceeded, "\(error)")
                }
                let status = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init()).status
                #expect(status == .serving)
            }
        }
    }
}
