@testable import ConsultationPlugin
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

@Suite struct ConsultationTests {
    typealias Client = Fawang_Consultation_V1_ConsultationService.Client<HTTP2ClientTransport.Posix>

    static func question(requestID: String = UUID().uuidString, answer: String = "") -> Fawang_Consultation_V1_RecordConsultationRequest {
        .with {
            $0.requestID = requestID
            $0.context.channel = .hotline
            $0.person.name = "马小花"
            $0.person.phone = "13951001234"
            $0.regionCode = "640104"
            $0.topic = .labour
            $0.question = "在工地干了半年活，老板一直拖着不发工资，怎么办？"
            $0.answer = answer
        }
    }

    @Test func everyBadFieldIsNamedAtOnce() {
        var request = Self.question()
        request.requestID = ""
        request.context.channel = .unspecified
        request.person.phone = "123"
        request.regionCode = "64"
        request.topic = .unspecified
        request.question = ""
        #expect {
            try ConsultationWorkflow.validate(request)
        } throws: { error in
            let fields = Set((error as! FawangError).violations.map(\.field))
            return fields == ["request_id", "context.channel", "person.phone", "region_code", "topic", "question"]
        }
    }

    @Test func answeredThenClosedAndNothingAfter() throws {
        let details = ConsultationDetails(topic: "labour", question: "q", answers: [], suggestedMatterTypes: [])
        var matter = Matter(
            id: "m", trackingNumber: TrackingNumber.random(), businessLine: "consultation", matterType: ConsultationWorkflow.matterType,
            status: "recorded", applicant: Person(name: "a", idNumber: "", phone: "13951001234"), parties: [], regionCode: "640104",
            channel: .hotline, operatorID: "", submittedAt: Date(), updatedAt: Date(), details: DetailsCoding.encode(details), timeline: [])
        let answered = try ConsultationWorkflow.decide(.answer("可申请劳动仲裁或人民调解", suggested: ["mediation.dispute"]), on: matter, actor: "s", channel: .hotline)
        #expect(answered.newStatus == "answered")
        #expect(answered.events.first?.attributes["suggested_matter_types"] == "mediation.dispute")
        matter.status = "closed"
        #expect(throws: FawangError.self) { try ConsultationWorkflow.decide(.close(note: ""), on: matter, actor: "s", channel: .hotline) }
    }

    @Test func theHotlineRecordsStaffAnswerAndTheCitizenFollowsProgress() async throws {
        try await TestPlatform.with(plugins: [ConsultationPlugin()]) { platform in
            let recorded = try await platform.withClient(as: "hotline-frontend") { client in
                try await Client(wrapping: client).recordConsultation(Self.question())
            }
            #expect(recorded.matter.status == "recorded")
            #expect(recorded.matter.deadlines.isEmpty)
            let number = recorded.matter.trackingNumber
            // The district's consultation desk answers; another department's staff may not.
            try await platform.withClient(as: "mediation-640104") { client in
                do {
                    _ = try await Client(wrapping: client).answer(.with { $0.trackingNumber = number; $0.answer = "x"; $0.context.channel = .hotline })
                    Issue.record("another department answered")
                } catch let error as RPCError {
                    #expect(error.code == .permissionDenied)
                }
            }
            try await platform.withClient(as: "consultation-640104") { client in
                let missing = try await rpcError { try await Client(wrapping: client).answer(.with { $0.trackingNumber = number; $0.context.channel = .hotline }) }
                #expect(missing.code == .invalidArgument && missing.message.contains("answer"))
                let answered = try await Client(wrapping: client).answer(.with {
                    $0.trackingNumber = number
                    $0.answer = "可向劳动争议仲裁委员会申请仲裁，也可申请人民调解；经济困难的可申请法律援助。"
                    $0.suggestedMatterTypes = ["mediation.dispute", "legal-aid.application"]
                    $0.context.channel = .hotline
                })
                #expect(answered.statusLabel == "已解答")
                #expect(answered.timeline.map(\.label) == ["登记法律咨询", "解答"])
                let closed = try await Client(wrapping: client).close(.with { $0.trackingNumber = number; $0.context.channel = .hotline })
                #expect(closed.status == "closed")
            }
            try await platform.withClient { client in
                let report = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
                #expect(report.statusLabel == "已办结")
                #expect(report.businessLineName == "法律咨询")
            }
        }
    }

    @Test func aRetryReturnsTheSameRecord() async throws {
        try await TestPlatform.with(plugins: [ConsultationPlugin()]) { platform in
            try await platform.withClient { client in
                let request = Self.question(answer: "当场解答")
                let first = try await Client(wrapping: client).recordConsultation(request)
                #expect(first.matter.status == "answered")
                let again = try await Client(wrapping: client).recordConsultation(request)
                #expect(again.replayed && again.matter.trackingNumber == first.matter.trackingNumber)
            }
        }
    }
}
