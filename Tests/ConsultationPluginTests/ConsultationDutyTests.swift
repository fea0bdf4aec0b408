@testable import ConsultationPlugin
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
import GRPCInProcessTransport
import SwiftProtobuf
import Testing

/// The duty roster routes each question; the lawyer on duty answers with articles from the law
/// library; the asker rates the answer; staff publish it, anonymised, as an FAQ.
@Suite struct ConsultationDutyTests {
    typealias Client = Fawang_Consultation_V1_ConsultationService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>
    static let unlimited = TestPlatform.unlimitedRates

    static func ask(_ topic: Fawang_Consultation_V1_Topic, _ question: String) -> Fawang_Consultation_V1_RecordConsultationRequest {
        .with {
            $0.requestID = UUID().uuidString
            $0.person.name = "马小花"
            $0.person.phone = "13951001234"
            $0.regionCode = "640104"
            $0.topic = topic
            $0.question = question
        }
    }

    @Test("值班表分派咨询：区县专项班次优先，其次市级；值班律师引用法条解答；咨询人评价；去除个人信息后公开为常见问题")
    func aQuestionReachesTheLawyerOnDuty() async throws {
        // Noon on the host's clock: the roster's day cannot change at Beijing midnight mid-test.
        let clock = TestClock(at: beijing(2026, 12, 8, hour: 12))
        try await TestPlatform.with(extraConfig: Self.unlimited, plugins: [ConsultationPlugin()], clock: clock) { platform in
            let today = CivilDate(clock.now).description
            // Xingqing's desk puts a worker on duty for labour questions today.
            let set = try await platform.withInProcessClient(as: "consultation-640104") { client in
                let consultation = Client(wrapping: client)
                await expectStatus(.permissionDenied) {
                    _ = try await consultation.setDuty(.with {
                        $0.shifts = [.with { $0.day = today; $0.regionCode = "640200"; $0.accountID = "x"; $0.name = "石嘴山" }]
                    })
                }
                await expectStatus(.invalidArgument, field: "shifts[0].day") {
                    _ = try await consultation.setDuty(.with {
                        $0.shifts = [.with { $0.day = "2020-01-02"; $0.regionCode = "640104"; $0.accountID = "x"; $0.name = "过去" }]
                    })
                }
                return try await consultation.setDuty(.with {
                    $0.shifts = [.with {
                        $0.day = today
                        $0.regionCode = "640104"
                        $0.topic = .labour
                        $0.accountID = "staff-640104-consultation"
                        $0.name = "兴庆区值班员"
                        $0.roleLabel = "法律服务工作者"
                    }]
                })
            }
            #expect(set.added.map(\.accountID) == ["staff-640104-consultation"])
            let roster = try await platform.withInProcessClient { client in try await Client(wrapping: client).listDuty(.with { $0.regionCode = "640100" }) }
            #expect(Set(roster.shifts.map(\.accountID)) == ["lap-640100-1", "staff-640104-consultation"], "the demo's city lawyer and the county's worker")

            // A labour question goes to the county's labour shift, a family one to the city's lawyer.
            let (labour, family) = try await platform.withInProcessClient { client in
                let consultation = Client(wrapping: client)
                return (
                    try await consultation.recordConsultation(Self.ask(.labour, "老板拖欠工资三个月怎么办？")).matter,
                    try await consultation.recordConsultation(Self.ask(.marriageFamily, "我叫马小花，电话13951001234，离婚时夫妻共同财产怎么分割？")).matter
                )
            }
            #expect(labour.timeline.first?.attributes["routed_to"] == "staff-640104-consultation")
            #expect(family.timeline.first?.attributes["routed_to"] == "lap-640100-1")
            #expect(family.timeline.first?.attributes["routed_to_name"] == "银川市援助律师")
            #expect(family.timeline.first?.note == "转值班律师银川市援助律师（lap-640100-1）解答")

            // The lawyer on duty: the question routed to them, articles to cite, and the answer.
            let answered = try await platform.withInProcessClient(as: "lap-640100-1") { client in
                let consultation = Client(wrapping: client)
                let mine = try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = family.trackingNumber })
                #expect(mine.status == "recorded")
                await expectStatus(.permissionDenied) {
                    _ = try await consultation.answer(.with { $0.trackingNumber = labour.trackingNumber; $0.answer = "不是我的" })
                }
                let suggested = try await consultation.suggestLaws(.with { $0.trackingNumber = family.trackingNumber })
                let first = try #require(suggested.articles.first, "the library has articles on dividing property at divorce")
                #expect(first.citation.hasPrefix("《") && !first.snippet.isEmpty)
                await expectStatus(.invalidArgument, field: "law_citations[1]") {
                    _ = try await consultation.answer(.with {
                        $0.trackingNumber = family.trackingNumber
                        $0.answer = "x"
                        $0.lawCitations = [first.citation, "不存在的法第九百九十九条"]
                    })
                }
                return try await consultation.answer(.with {
                    $0.trackingNumber = family.trackingNumber
                    $0.answer = "夫妻共同财产由双方协议处理；协议不成的，由人民法院根据财产的具体情况判决。马小花女士可携带结婚证等材料前往咨询。"
                    $0.lawCitations = [first.citation]
                })
            }
            #expect(answered.status == "answered" && answered.timeline.last?.actor == "lap-640100-1")

            // The lawyer's workbench: the questions routed to them, and the answer form on each.
            let http = try #require(platform.ports.http)
            let lawyer = try await platform.accessToken("lap-640100-1")
            func page(_ path: String) async throws -> String {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(http)\(path)")!)
                request.setValue("fawang_staff=\(lawyer)", forHTTPHeaderField: "Cookie")
                return String(decoding: try await URLSession(configuration: .ephemeral).data(for: request).0, as: UTF8.self)
            }
            let queue = try await page("/staff")
            #expect(queue.contains(family.trackingNumber) && !queue.contains(labour.trackingNumber), "\(queue)")
            let matterPage = try await page("/staff/matter/" + family.trackingNumber.filter(\.isNumber))
            #expect(matterPage.contains("id=\"step-answer\"") && !matterPage.contains("id=\"step-suggest-laws\""), "\(matterPage)")
            let cited = try #require(answered.timeline.last?.attributes["law_citations"])

            // The asker rates the answer; a 2 asks the desk to call back.
            let rated = try await platform.withInProcessClient { client in
                try await Matters(wrapping: client).rateMatter(.with {
                    $0.trackingNumber = family.trackingNumber
                    $0.phoneLast4 = "1234"
                    $0.score = 2
                    $0.comment = "没说清楚要带哪些材料"
                })
            }
            #expect(rated.timeline.map(\.kind).suffix(2) == ["rated", "callback_required"])

            // Published for everyone without the asker's name and number.
            try await platform.withInProcessClient(as: "consultation-640104") { client in
                let consultation = Client(wrapping: client)
                await expectStatus(.invalidArgument, field: "question") {
                    _ = try await consultation.publishFAQ(.with {
                        $0.trackingNumber = family.trackingNumber
                        $0.question = "13951001234 问离婚财产"
                    })
                }
                await expectStatus(.failedPrecondition) { _ = try await consultation.publishFAQ(.with { $0.trackingNumber = labour.trackingNumber }) }
                let faq = try await consultation.publishFAQ(.with { $0.trackingNumber = family.trackingNumber })
                #expect(!faq.question.contains("马小花") && !faq.question.contains("13951001234") && faq.question.contains("咨询人"))
                #expect(!faq.answer.contains("马小花") && faq.lawCitations == [cited])
            }
            let found = try await platform.withInProcessClient { client in
                try await Client(wrapping: client).listFAQ(.with { $0.query = "共同财产" })
            }
            #expect(found.items.count == 1 && found.items.first?.topic == .marriageFamily && found.items.first?.regionName == "兴庆区")

            // The portal's page: today's duty and the published answer, found by a word.
            var address = URLComponents(string: "http://127.0.0.1:\(try #require(platform.ports.http))/consultation")!
            address.queryItems = [URLQueryItem(name: "q", value: "共同财产")]
            let (data, _) = try await URLSession(configuration: .ephemeral).data(from: try #require(address.url))
            let html = String(decoding: data, as: UTF8.self)
            #expect(html.contains("银川市援助律师") && html.contains("兴庆区值班员") && html.contains("夫妻共同财产由双方协议处理"), "\(html)")
            #expect(!html.contains("13951001234") && !html.contains("马小花"))
        }
    }

    @Test("公开前去除姓名、手机号、固定电话、身份证号")
    func anonymising() {
        let text = "我叫马小花，手机139-5100-1234，家里电话0951-6012345，身份证11010519491231002X，2026-12-06到期"
        let clean = ConsultationDuty.anonymised(text, name: "马小花")
        #expect(clean == "我叫咨询人，手机[电话]，家里电话[电话]，身份证[身份证号]，2026-12-06到期")
        #expect(ConsultationDuty.identifying(clean, name: "马小花") == nil)
        #expect(ConsultationDuty.identifying("请拨13951001234", name: "") != nil)
    }
}
