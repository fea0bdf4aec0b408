import FawangCore
import FawangCatalog
@testable import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What the host does with retries, bad input and raw bytes, over real HTTP/2.
@Suite struct WireTests {
    typealias LegalAid = Fawang_Legalaid_V1_LegalAidService.Client<HTTP2ClientTransport.Posix>

    @Test func aRetriedSubmissionCreatesOneMatter() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient(as: "admin") { client in
                let legalAid = LegalAid(wrapping: client)
                let request = LegalAidSamples.application(requestID: "hall-window-7f3a")
                let first = try await legalAid.submitApplication(request)
                let retry = try await legalAid.submitApplication(request)
                #expect(!first.replayed)
                #expect(retry.replayed)
                #expect(retry.matter.trackingNumber == first.matter.trackingNumber)
                #expect(retry.matter.id == first.matter.id)
                let listed = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).listMatters(.with { $0.businessLine = "legal-aid" })
                #expect(listed.matters.count == 1)

                // The same key for different content is a client bug, not a retry.
                var other = request
                other.caseSummary = "另一件事"
                do {
                    _ = try await legalAid.submitApplication(other)
                    Issue.record("a reused request id with other content was accepted")
                } catch let error as RPCError {
                    #expect(error.code == .failedPrecondition)
                    #expect(error.message.contains("hall-window-7f3a"))
                }
            }
        }
    }

    /// A mediation application with `requestID`, as the web portal sends it.
    static func mediationApplication(requestID: String) -> Fawang_Mediation_V1_SubmitDisputeRequest {
        .with {
            $0.requestID = requestID
            $0.context.channel = .web
            $0.applicant.name = "马小花"
            $0.applicant.phone = "13951001234"
            $0.respondents = [.with { $0.name = "李大山"; $0.phone = "13800001111" }]
            $0.regionCode = "640104"
            $0.category = .neighbourhood
            $0.summary = "楼上住户卫生间漏水，多次协商未果，要求维修并赔偿墙面损失。"
        }
    }

    static func transfer(_ number: String, to type: String) -> Fawang_Matter_V1_TransferMatterRequest {
        .with {
            $0.trackingNumber = number
            $0.toMatterType = type
            $0.reason = "反映的是对行政机关处理的不满"
            $0.context.channel = .walkIn
        }
    }

    @Test("幂等键属于提交时的业务条线：转办后迟到的重试返回同一（已转办的）事项，不另立新案")
    func aLateRetryAfterATransferReplaysTheTransferredMatter() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let request = LegalAidSamples.application(requestID: "hall-window-transfer-1")
            let first = try await platform.withClient { client in try await LegalAid(wrapping: client).submitApplication(request) }
            _ = try await platform.withClient(as: "staff-640100-reviewer") { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).transferMatter(
                    Self.transfer(first.matter.trackingNumber, to: "petitions.petition"))
            }
            // The window's retry arrives after the transfer.
            let retry = try await platform.withClient { client in try await LegalAid(wrapping: client).submitApplication(request) }
            #expect(retry.replayed)
            #expect(retry.matter.id == first.matter.id)
            #expect(retry.matter.trackingNumber == first.matter.trackingNumber)
            #expect(retry.matter.businessLine == "petitions")
            try await platform.withClient(as: "admin") { client in
                let all = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).listMatters(.init())
                #expect(all.matters.count == 1)
            }
            // Other content under the same key is still refused.
            var other = request
            other.caseSummary = "另一件事"
            await expectStatus(.failedPrecondition, containing: ["hall-window-transfer-1"]) {
                _ = try await platform.withClient { client in try await LegalAid(wrapping: client).submitApplication(other) }
            }
        }
    }

    @Test("转办不撞幂等键：接收条线已有同一请求编号的事项时，转办照常完成，两边的重试各自返回原事项")
    func aTransferIntoALineHoldingTheSameRequestIDSucceeds() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let shared = "portal-7f3a"
            let mediation = try await platform.withClient { client in
                try await Fawang_Mediation_V1_MediationService.Client(wrapping: client).apply(Self.mediationApplication(requestID: shared))
            }
            let legalAid = try await platform.withClient { client in
                try await LegalAid(wrapping: client).submitApplication(LegalAidSamples.application(requestID: shared))
            }
            let moved = try await platform.withClient(as: "staff-640100-reviewer") { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).transferMatter(
                    Self.transfer(legalAid.matter.trackingNumber, to: "mediation.dispute"))
            }
            #expect(moved.businessLine == "mediation" && moved.trackingNumber == legalAid.matter.trackingNumber)
            let mediationRetry = try await platform.withClient { client in
                try await Fawang_Mediation_V1_MediationService.Client(wrapping: client).apply(Self.mediationApplication(requestID: shared))
            }
            #expect(mediationRetry.replayed && mediationRetry.matter.id == mediation.matter.id)
            let legalAidRetry = try await platform.withClient { client in
                try await LegalAid(wrapping: client).submitApplication(LegalAidSamples.application(requestID: shared))
            }
            #expect(legalAidRetry.replayed && legalAidRetry.matter.id == legalAid.matter.id)
            #expect(legalAidRetry.matter.businessLine == "mediation")
        }
    }

    @Test func concurrentRetriesStillCreateOneMatter() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let legalAid = LegalAid(wrapping: client)
                let request = LegalAidSamples.application(requestID: "burst-1")
                let numbers = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<8 { group.addTask { try await legalAid.submitApplication(request).matter.trackingNumber } }
                    return try await group.reduce(into: Set<String>()) { $0.insert($1) }
                }
                #expect(numbers.count == 1)
            }
        }
    }

    @Test func missingAndMalformedFieldsAreNamed() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let legalAid = LegalAid(wrapping: client)
                var request = LegalAidSamples.application()
                request.applicant.phone = ""
                request.applicant.idNumber = "110105194912310021"
                do {
                    _ = try await legalAid.submitApplication(request)
                    Issue.record("invalid application accepted")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("applicant.phone"))
                    #expect(error.message.contains("applicant.id_number"))
                    let unpacked = try error.unpackGoogleRPCStatus()
                    let status = try #require(unpacked)
                    let fields = status.details.compactMap(\.badRequest).flatMap(\.violations).map(\.field)
                    #expect(fields == ["applicant.id_number", "applicant.phone"])
                }
                await #expect(throws: RPCError.self) {
                    _ = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.init())
                }
            }
        }
    }

    @Test func garbageBytesGetAnErrorAndTheServerKeepsServing() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let garbage: [[UInt8]] = [
                    [0xFF, 0xFF, 0xFF, 0xFF, 0xFF],       // truncated varint
                    [0x0A, 0x7F, 0x01],                   // length runs past the end
                    Array("not a protobuf at all".utf8) + [0x00, 0x01],
                    (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) },
                ]
                for bytes in garbage {
                    do {
                        _ = try await client.unary(
                            request: ClientRequest(message: bytes),
                            descriptor: Fawang_Legalaid_V1_LegalAidService.Method.SubmitApplication.descriptor,
                            serializer: RawBytes(), deserializer: RawBytes(), options: .defaults
                        ) { try $0.message }
                        Issue.record("garbage was accepted")
                    } catch let error as RPCError {
                        #expect([.invalidArgument, .internalError].contains(error.code), "\(error)")
                    }
                }
                let accepted = try await LegalAid(wrapping: client).submitApplication(LegalAidSamples.application())
                #expect(accepted.matter.status == "submitted")
            }
        }
    }

    @Test func oversizedRequestsAreRefused() async throws {
        try await TestPlatform.with(extraConfig: "grpc.max_request_bytes: 6144\nmaterials.max_bytes: 1024\nhttp.enabled: false\n", plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                var request = LegalAidSamples.application()
                request.caseSummary = String(repeating: "欠", count: 3000)
                do {
                    _ = try await LegalAid(wrapping: client).submitApplication(request)
                    Issue.record("oversized request accepted")
                } catch let error as RPCError {
                    // The transport refuses the message while decoding and resets the stream (RST_STREAM
                    // CANCEL): grpc-swift-nio-transport 2.9 clients see UNAVAILABLE ("Stream unexpectedly
                    // closed"), others may see RESOURCE_EXHAUSTED. The host's own view is pinned below.
                    #expect([.resourceExhausted, .unavailable].contains(error.code), "\(error)")
                }
            }
            // A fresh connection is still served.
            try await platform.withClient { client in
                _ = try await LegalAid(wrapping: client).submitApplication(LegalAidSamples.application())
            }
            // Whatever the client saw, the host counts and logs it as what it is: too large, not an
            // internal error or a cancellation.
            let port = try #require(platform.ports.metrics)
            let (data, _) = try await URLSession.isolated().data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            let text = String(decoding: data, as: UTF8.self)
            let method = "method=\"fawang.legalaid.v1.LegalAidService/SubmitApplication\",module=\"legal-aid\""
            #expect(text.contains("fawang_rpc_calls_total{\(method),code=\"resourceExhausted\"} 1"), "\(text)")
            #expect(text.contains("fawang_rpc_calls_total{\(method),code=\"ok\"} 1"), "\(text)")
            #expect(!text.contains("code=\"cancelled\""), "\(text)")
            #expect(!text.contains("code=\"internalError\""), "\(text)")
            #expect(!text.contains("code=\"unknown\""), "\(text)")
        }
    }

    @Test func metricsCountCallsErrorsAndLatencyPerMethodAndModule() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let legalAid = LegalAid(wrapping: client)
                _ = try await legalAid.submitApplication(LegalAidSamples.application())
                _ = try? await legalAid.submitApplication(Fawang_Legalaid_V1_SubmitApplicationRequest())
            }
            let port = try #require(platform.ports.metrics)
            let (data, response) = try await URLSession.isolated().data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            let text = String(decoding: data, as: UTF8.self)
            let method = "method=\"fawang.legalaid.v1.LegalAidService/SubmitApplication\",module=\"legal-aid\""
            #expect(text.contains("fawang_rpc_calls_total{\(method),code=\"ok\"} 1"))
            #expect(text.contains("fawang_rpc_calls_total{\(method),code=\"invalidArgument\"} 1"))
            #expect(text.contains("fawang_rpc_errors_total{\(method)} 1"))
            #expect(text.contains("fawang_rpc_duration_seconds_count{\(method)} 2"))
            #expect(!text.contains("马小花"))
            #expect(!text.contains("13951001234"))
        }
    }
}

@Suite struct RateLimitTests {
    @Test func publicMethodsAreLimitedPerCallerAndStaffReadsAreNot() async throws {
        try await TestPlatform.with(extraConfig: "limits.public.burst: 4\nlimits.public.calls_per_minute: 1\n", plugins: PluginCatalog.all) { platform in
            // Logging in is a public call too: the first of the four.
            try await platform.withClient(as: "admin") { client in
                let matters = Fawang_Matter_V1_MatterService.Client(wrapping: client)
                // Burst 4: the login, the submission and two progress queries pass, the third query is refused.
                let submitted = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application()).matter
                let query = Fawang_Matter_V1_QueryProgressRequest.with {
                    $0.trackingNumber = submitted.trackingNumber
                    $0.phoneLast4 = "1234"
                }
                _ = try await matters.queryProgress(query)
                _ = try await matters.queryProgress(query)
                do {
                    _ = try await matters.queryProgress(query)
                    Issue.record("the fourth public call was not limited")
                } catch let error as RPCError {
                    #expect(error.code == .resourceExhausted)
                    #expect(error.message.contains("秒后再试"))
                    let unpacked = try error.unpackGoogleRPCStatus()
                    let retry = try #require(unpacked?.details.compactMap(\.retryInfo).first)
                    #expect(retry.delay > .zero)
                }
                // Not a public method: not limited.
                for _ in 0..<5 { _ = try await matters.getMatter(.with { $0.id = submitted.id }) }
            }
        }
    }

    @Test func callersAreToldApartByAddressNotPort() {
        #expect(RateLimit.caller("ipv4:127.0.0.1:51234") == "ipv4:127.0.0.1")
        #expect(RateLimit.caller("ipv6:[::1]:51234") == "ipv6:[::1]")
        #expect(RateLimit.caller("unix:/tmp/s") == "unix:/tmp/s")
    }
}

@Suite struct MetricsSwitchTests {
    @Test func withMetricsOffTheHostStillServes() async throws {
        try await TestPlatform.with(extraConfig: "metrics.enabled: false\n", plugins: PluginCatalog.all) { platform in
            #expect(platform.ports.metrics == nil)
            let status = try await platform.withClient { client in
                try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init()).status
            }
            #expect(status == .serving)
        }
    }
}
