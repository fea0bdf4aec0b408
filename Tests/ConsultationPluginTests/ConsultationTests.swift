@testable import ConsultationPlugin
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf
import Testing

@Suite struct ConsultationTests {
    typealias Client = Fawang_Consultation_V1_ConsultationService.Client<InProcessTransport.Client>

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
        do {
            _ = try ConsultationWorkflow.validate(request)
            Issue.record("a consultation with six bad fields was accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(Set(error.violations.map(\.field)) == ["request_id", "context.channel", "person.phone", "region_code", "topic", "question"])
        }
    }

    static func matter(status: String) -> Matter {
        let details = ConsultationDetails(topic: "labour", question: "q", answers: [], suggestedMatterTypes: [])
        return Matter(
            id: "m", trackingNumber: TrackingNumber.random(), businessLine: "consultation", matterType: ConsultationWorkflow.matterType,
            status: status, applicant: Person(name: "a", idNumber: "", phone: "13951001234"), parties: [], regionCode: "640104",
            channel: .hotline, operatorID: "", submittedAt: Date(), updatedAt: Date(), details: DetailsCoding.encode(details), timeline: [])
    }

    /// Through the step runner's guard, as the service takes every step.
    func decide(_ command: ConsultationWorkflow.Command, _ matter: Matter) throws -> MatterChange {
        try LineSteps<ConsultationWorkflow>.decide(command, on: matter, StepContext(actor: "s", channel: .hotline, now: Date()))
    }

    @Test func answeredThenClosedAndNothingAfter() throws {
        var matter = Self.matter(status: "recorded")
        let answered = try decide(.answer("可申请劳动仲裁或人民调解", suggested: ["mediation.dispute"]), matter)
        #expect(answered.newStatus == "answered")
        #expect(answered.events.first?.attributes["suggested_matter_types"] == "mediation.dispute")
        matter.status = "closed"
        expectError(.failedPrecondition) { _ = try decide(.close(note: ""), matter) }
    }

    @Test func otherLinesAreNotTouched() throws {
        var matter = Self.matter(status: "recorded")
        matter.businessLine = "notarization"
        expectError(.notFound, containing: ["不是法律咨询事项"]) { _ = try decide(.answer("a", suggested: []), matter) }
    }

    @Test func theHotlineRecordsStaffAnswerAndTheCitizenFollowsProgress() async throws {
        try await TestPlatform.with(plugins: [ConsultationPlugin()]) { platform in
            let recorded = try await platform.withInProcessClient(as: "hotline-frontend") { client in
                try await Client(wrapping: client).recordConsultation(Self.question())
            }
            #expect(recorded.matter.status == "recorded")
            #expect(recorded.matter.deadlines.isEmpty)
            let number = recorded.matter.trackingNumber
            // The district's consultation desk answers; another department's staff may not.
            try await platform.withInProcessClient(as: "mediation-640104") { client in
                await expectStatus(.permissionDenied) {
                    _ = try await Client(wrapping: client).answer(.with { $0.trackingNumber = number; $0.answer = "x"; $0.context.channel = .hotline })
                }
            }
            try await platform.withInProcessClient(as: "consultation-640104") { client in
                await expectStatus(.invalidArgument, field: "answer") {
                    _ = try await Client(wrapping: client).answer(.with { $0.trackingNumber = number; $0.context.channel = .hotline })
                }
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
            try await platform.withInProcessClient { client in
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
            try await platform.withInProcessClient { client in
                let request = Self.question(answer: "当场解答")
                let first = try await Client(wrapping: client).recordConsultation(request)
                #expect(first.matter.status == "answered")
                let again = try await Client(wrapping: client).recordConsultation(request)
                #expect(again.replayed && again.matter.trackingNumber == first.matter.trackingNumber)
            }
        }
    }
}
