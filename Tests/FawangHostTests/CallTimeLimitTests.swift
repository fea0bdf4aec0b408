import FawangCatalog
import FawangCore
@testable import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// A plugin whose methods are deliberately slow, to see the server's time limit act. It serves
/// the consultation desk's contract (so it is declared like any plugin, every method in its RPC
/// table) in a host without the real consultation plugin.
struct SlowProbePlugin: DepartmentPlugin {
    typealias Method = Fawang_Consultation_V1_ConsultationService.Method
    static let sleep = Method.Close.descriptor

    struct Service: Sendable {
        /// Every method: half a minute, then an empty reply.
        func slow<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(_: Input) async throws -> Output {
            try await Task.sleep(for: .seconds(30))
            return Output()
        }
    }

    typealias Handler<Input, Output> = @Sendable (Service) -> @Sendable (Input) async throws -> Output
    static func row<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
        _ descriptor: MethodDescriptor, _: Input.Type, _: Output.Type
    ) -> RPC<Service> {
        let handler: Handler<Input, Output> = { service in { try await service.slow($0) } }
        return RPC(descriptor, .anyone, help: "slow", handler)
    }

    static let table = RPCTable<Service>([
        row(Method.RecordConsultation.descriptor, Fawang_Consultation_V1_RecordConsultationRequest.self, Fawang_Consultation_V1_RecordConsultationResponse.self),
        row(Method.Answer.descriptor, Fawang_Consultation_V1_AnswerRequest.self, Fawang_Matter_V1_Matter.self),
        row(Method.Close.descriptor, Fawang_Consultation_V1_CloseRequest.self, Fawang_Matter_V1_Matter.self),
        row(Method.SuggestLaws.descriptor, Fawang_Consultation_V1_SuggestLawsRequest.self, Fawang_Consultation_V1_SuggestLawsResponse.self),
        row(Method.SetDuty.descriptor, Fawang_Consultation_V1_SetDutyRequest.self, Fawang_Consultation_V1_SetDutyResponse.self),
        row(Method.ListDuty.descriptor, Fawang_Consultation_V1_ListDutyRequest.self, Fawang_Consultation_V1_ListDutyResponse.self),
        row(Method.PublishFAQ.descriptor, Fawang_Consultation_V1_PublishFAQRequest.self, Fawang_Consultation_V1_FAQ.self),
        row(Method.ListFAQ.descriptor, Fawang_Consultation_V1_ListFAQRequest.self, Fawang_Consultation_V1_ListFAQResponse.self),
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

    /// The limit cancels a handler that waits past it, which then ends `DEADLINE_EXCEEDED`.
    @Test func theLimitCancelsAHandlerThatWaitsPastIt() async throws {
        let started = ContinuousClock.now
        do {
            _ = try await CallTimeLimit(limit: .milliseconds(300)).run { () async throws -> Int in
                try await Task.sleep(for: .seconds(30))
                return 1
            }
            Issue.record("the call outlived its limit")
        } catch let error as RPCError {
            #expect(error.code == .deadlineExceeded && error.message == "处理超时，请稍后重试")
        }
        #expect(ContinuousClock.now - started < .seconds(20), "ended by the limit, not by the handler's own 30 s")
    }

    /// A handler that does not notice cancellation and finishes after the limit keeps its answer:
    /// the work was done, so the caller is told so rather than DEADLINE_EXCEEDED.
    @Test func aHandlerThatFinishesAnywayKeepsItsAnswer() async throws {
        let answer = try await CallTimeLimit(limit: .milliseconds(200)).run { () async throws -> Int in
            // Waits as a blocking call would, ignoring cancellation, until the sweeper has
            // cancelled it (or a minute has passed: the sweeper failed).
            let deadline = ContinuousClock.now + .seconds(60)
            while !Task.isCancelled, ContinuousClock.now < deadline {
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) { continuation.resume() }
                }
            }
            return Task.isCancelled ? 7 : -1
        }
        #expect(answer == 7, "cancelled at its limit, and its answer kept")
    }

    /// Within its limit a call is untouched, and its registration is gone when it ends.
    @Test func aCallWithinItsLimitIsUntouched() async throws {
        let deadlines = CallDeadlines(tick: .milliseconds(10))
        let ticket = withUnsafeCurrentTask { deadlines.watch($0, until: .now + .seconds(60)) }
        #expect(deadlines.count == 1)
        try await Task.sleep(for: .milliseconds(50))
        #expect(!Task.isCancelled)
        #expect(deadlines.forget(ticket) == false, "not expired")
        #expect(deadlines.count == 0)
    }
}
