import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import Testing

/// A plugin whose methods are deliberately slow, to see the server's time limit act. It serves
/// the consultation desk's contract (so it is declared like any plugin, every method in its RPC
/// table) in a host without the real consultation plugin.
struct SlowProbePlugin: DepartmentPlugin {
    typealias Method = Fawang_Consultation_V1_ConsultationService.Method
    static let sleep = Method.Close.descriptor

    struct Service: Sendable {
        func record(_: Fawang_Consultation_V1_RecordConsultationRequest) async throws -> Fawang_Consultation_V1_RecordConsultationResponse {
            try await Task.sleep(for: .seconds(30))
            return .init()
        }
        func answer(_: Fawang_Consultation_V1_AnswerRequest) async throws -> Fawang_Matter_V1_Matter {
            try await Task.sleep(for: .seconds(30))
            return .init()
        }
        func close(_: Fawang_Consultation_V1_CloseRequest) async throws -> Fawang_Matter_V1_Matter {
            try await Task.sleep(for: .seconds(30))
            return .init()
        }
    }

    static let table = RPCTable<Service>([
        RPC(Method.RecordConsultation.descriptor, .anyone, help: "slow", Service.record),
        RPC(Method.Answer.descriptor, .anyone, help: "slow", Service.answer),
        RPC(Method.Close.descriptor, .anyone, help: "slow", Service.close),
    ])

    var manifest: ModuleManifest { ModuleManifest(id: "slow-probe", nameZH: "慢探针", nameEN: "Slow probe", version: "0.0.1", matterTypes: []) }
    var rpcs: [RPCInfo] { Self.table.infos }
    func makeServices(context: PluginContext) -> [any RegistrableRPCService] { [Self.table.service(Service())] }
}

@Suite struct CallTimeLimitTests {
    @Test func aSlowCallEndsWithDeadlineExceededAndTheServerServesOn() async throws {
        try await TestPlatform.with(extraConfig: "grpc.max_call_seconds: 1\n", plugins: [SlowProbePlugin()]) { platform in
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
