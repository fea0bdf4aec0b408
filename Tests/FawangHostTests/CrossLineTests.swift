import FawangCore
import FawangCatalog
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// Front desk accepts, back office handles: the real lines of the catalog passing matters on.
@Suite struct CrossLineTests {
    static let desk = Fawang_Matter_V1_ChannelContext.with { $0.channel = .hotline }

    @Test("咨询转为申请：12348热线的法律咨询转人民调解，保留受理编号和记录") func aConsultationBecomesAMediation() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let recorded = try await platform.withClient(as: "hotline-frontend") { client in
                try await Fawang_Consultation_V1_ConsultationService.Client(wrapping: client).recordConsultation(.with {
                    $0.requestID = UUID().uuidString
                    $0.context = Self.desk
                    $0.person.name = "马小花"
                    $0.person.phone = "13951001234"
                    $0.regionCode = "640104"
                    $0.topic = .propertyLand
                    $0.question = "邻居加盖房屋挡住采光，协商不成，怎么办？"
                    $0.answer = "属于相邻关系纠纷，可申请人民调解，调解不成可向人民法院起诉。"
                })
            }
            let number = recorded.matter.trackingNumber
            let moved = try await platform.withClient(as: "consultation-640104") { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).transferMatter(.with {
                    $0.trackingNumber = number
                    $0.toMatterType = "mediation.dispute"
                    $0.reason = "当事人同意申请人民调解"
                    $0.context = Self.desk
                })
            }
            #expect(moved.trackingNumber == number && moved.businessLine == "mediation")
            #expect(moved.timeline.map(\.kind) == ["recorded", "transferred"])
            #expect(moved.timeline.last?.attributes["previous_details"]?.contains("相邻") == true || moved.timeline.last?.attributes["previous_details"]?.contains("邻居") == true)
            // Mediation's staff take it from there, on their own workflow.
            try await platform.withClient(as: "mediation-640104") { client in
                let mediation = Fawang_Mediation_V1_MediationService.Client(wrapping: client)
                let committees = try await mediation.listCommittees(.with { $0.regionCode = "640104" }).committees
                let committee = try #require(committees.first { $0.regionCode == "640104" && $0.active })
                let assigned = try await mediation.assignCommittee(.with {
                    $0.trackingNumber = number
                    $0.committeeID = committee.id
                    $0.context = Self.desk
                })
                #expect(assigned.timeline.map(\.kind) == ["recorded", "transferred", "committee_assigned"])
                #expect(assigned.timeline.first?.label == "登记法律咨询")
            }
            // The citizen follows it with the same number.
            try await platform.withClient { client in
                let report = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
                #expect(report.businessLineName == "人民调解")
                // The consultation's own record stays with staff.
                #expect(report.timeline.allSatisfy { $0.attributes["previous_details"] == nil })
            }
        }
    }

    /// A notarization application as a walk-in window takes it in Xingqing district.
    static func notarizationApplication(requestID: String = UUID().uuidString) -> Fawang_Notarization_V1_SubmitApplicationRequest {
        .with {
            $0.requestID = requestID
            $0.context.channel = .walkIn
            $0.context.operatorID = "staff-640100-notarization"
            $0.applicant.name = "马小花"
            $0.applicant.idNumber = "11010519491231002X"
            $0.applicant.phone = "13951001234"
            $0.regionCode = "640104"
            $0.placeBasis = .domicile
            $0.matterKind = .education
            $0.purpose = "出国留学"
            $0.materials = ["申请人身份证明", "学历证书"]
        }
    }

    @Test("转办不改写历史：公证申请转人民调解后，转办前的记录仍按公证的环节名称显示（工作人员和群众）")
    func aTransferredMattersHistoryKeepsTheLabelsOfItsOldLine() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let submitted = try await platform.withClient { client in
                try await Fawang_Notarization_V1_NotarizationService.Client(wrapping: client).submitApplication(Self.notarizationApplication())
            }
            let number = submitted.matter.trackingNumber
            #expect(submitted.matter.timeline.map(\.label) == ["提交公证申请"])
            _ = try await platform.withClient(as: "notarization-640100") { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).transferMatter(.with {
                    $0.trackingNumber = number
                    $0.toMatterType = "mediation.dispute"
                    $0.reason = "双方对学历证书的归属有争议，当事人同意调解"
                    $0.context = Self.desk
                })
            }
            let expected = ["提交公证申请", "转至其他业务条线办理", "选定人民调解委员会"]
            try await platform.withClient(as: "mediation-640104") { client in
                let mediation = Fawang_Mediation_V1_MediationService.Client(wrapping: client)
                let committees = try await mediation.listCommittees(.with { $0.regionCode = "640104" }).committees
                let committee = try #require(committees.first { $0.regionCode == "640104" && $0.active })
                _ = try await mediation.assignCommittee(.with {
                    $0.trackingNumber = number
                    $0.committeeID = committee.id
                    $0.context = Self.desk
                })
                // The staff view (`fawang show`): each event under the line it happened in.
                let shown = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = number })
                #expect(shown.businessLine == "mediation")
                #expect(shown.timeline.map(\.kind) == ["submitted", "transferred", "committee_assigned"])
                #expect(shown.timeline.map(\.label) == expected)
            }
            // The citizen's progress query reads the same history.
            try await platform.withClient { client in
                let report = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
                #expect(report.timeline.map(\.label) == expected)
                #expect(!report.timeline.contains { $0.label == "当事人申请调解" || $0.label == "提交法律援助申请" })
            }
        }
    }

    @Test("信访工作条例第二十二条：从法律援助转来的信访事项，受理告知期限自收到之日起算") func aMisfiledMatterBecomesAPetition() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all, clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            let submitted = try await platform.withClient { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application())
            }
            let moved = try await platform.withClient(as: "staff-640100-reviewer") { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).transferMatter(.with {
                    $0.trackingNumber = submitted.matter.trackingNumber
                    $0.toMatterType = "petitions.petition"
                    $0.reason = "反映的是对行政机关处理的不满，属信访事项"
                    $0.context = Self.desk
                })
            }
            #expect(moved.businessLine == "petitions")
            let acceptance = try #require(moved.deadlines.first)
            #expect(acceptance.article.contains("信访工作条例"))
            #expect(acceptance.dueDate == "2026-06-16")
        }
    }
}
