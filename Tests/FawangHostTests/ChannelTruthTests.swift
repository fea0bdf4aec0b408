import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// The channel of every request is the server's decision from who is calling (ChannelDecision),
/// whatever `context.channel` says: statistics by channel rest on it.
@Suite struct ChannelTruthTests {
    /// A consultation claiming to come from `claim`.
    static func consultation(_ claim: Fawang_Matter_V1_Channel) -> Fawang_Consultation_V1_RecordConsultationRequest {
        .with {
            $0.requestID = UUID().uuidString
            $0.context.channel = claim
            $0.context.operatorID = "op-7"
            $0.person.name = "马小花"
            $0.person.phone = "13951001234"
            $0.regionCode = "640104"
            $0.topic = .labour
            $0.question = "公司拖欠工资怎么办？"
        }
    }

    @Test("渠道由服务端按调用方确定：热线前端、窗口、未登录的原生客户端、网关，与请求所称无关")
    func theServerDecidesTheChannel() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            func record(as login: String?, claim: Fawang_Matter_V1_Channel, metadata: Metadata = [:]) async throws -> Fawang_Matter_V1_Matter {
                try await platform.withClient(as: login) { client in
                    try await Fawang_Consultation_V1_ConsultationService.Client(wrapping: client)
                        .recordConsultation(Self.consultation(claim), metadata: metadata).matter
                }
            }
            // The hotline front end's service account (bound to the hotline), for its agent op-7.
            let hotline = try await record(as: "hotline-frontend", claim: .web)
            #expect(hotline.channel == .hotline && hotline.timeline.first?.actor == "service-hotline/op-7")
            // A hall window's clerk (bound to walk_in), and other staff at their office's counter.
            #expect(try await record(as: "staff-640100-window", claim: .hotline).channel == .walkIn)
            #expect(try await record(as: "consultation-640104", claim: .wechat).channel == .walkIn)
            // Anonymous over the native gRPC port: the app. Naming a door in metadata is the host's
            // own privilege on in-process calls, ignored from the network.
            #expect(try await record(as: nil, claim: .hotline, metadata: ["fawang-origin": "wechat"]).channel == .mobile)
            #expect(try await record(as: "13951001234", claim: .walkIn).channel == .mobile)

            // Through the HTTP gateway (Connect JSON), as a browser calls: the web.
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(try #require(platform.ports.http))/fawang.consultation.v1.ConsultationService/RecordConsultation")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("wechat", forHTTPHeaderField: "fawang-origin")
            request.httpBody = try Self.consultation(.hotline).jsonUTF8Data()
            let (data, response) = try await URLSession.isolated().data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(String(decoding: data, as: UTF8.self))")
            let web = try Fawang_Consultation_V1_RecordConsultationResponse(jsonUTF8Data: data)
            #expect(web.matter.channel == .web)

            // What the store holds is the decision too (statistics read it there).
            let counts = try await platform.query(
                "SELECT channel || ':' || COUNT(*) FROM matters WHERE business_line = 'consultation' GROUP BY channel ORDER BY channel")
            #expect(counts.split(separator: "\n") == ["hotline:1", "mobile:2", "walk_in:2", "web:1"])
        }
    }

    @Test("决定规则：绑定渠道优先；工作人员为窗口；服务账号为系统对接；公众按入口，原生客户端为移动端")
    func theRules() {
        let staff = Principal(accountID: "s", displayName: "s", role: .staff, regionCode: "640100")
        var agent = staff
        agent.channel = .hotline
        let citizen = Principal(accountID: "c", displayName: "c", role: .citizen, regionCode: "")
        let system = Principal(accountID: "svc", displayName: "svc", role: .service, regionCode: "640000")
        #expect(ChannelDecision.decide(principal: agent, origin: .web) == .hotline)
        #expect(ChannelDecision.decide(principal: staff, origin: .web) == .walkIn)
        #expect(ChannelDecision.decide(principal: system, origin: nil) == .api)
        #expect(ChannelDecision.decide(principal: citizen, origin: .wechat) == .wechat)
        #expect(ChannelDecision.decide(principal: nil, origin: .web) == .web)
        #expect(ChannelDecision.decide(principal: nil, origin: nil) == .mobile)
    }
}
