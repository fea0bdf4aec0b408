import FawangCatalog
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
@testable import SuggestionsPlugin
import Testing

/// Suggestions from the public over a real host: submitted by anyone, acknowledged within 15 days
/// (信访工作条例 第二十三条), answered with or without adoption (第二十九条), read for public opinion.
@Suite struct SuggestionsTests {
    typealias Suggestions = Fawang_Suggestion_V1_SuggestionService.Client<HTTP2ClientTransport.Posix>
    static let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))

    static func suggestion(_ id: String = UUID().uuidString) -> Fawang_Suggestion_V1_SubmitSuggestionRequest {
        .with {
            $0.requestID = id
            $0.proposer.name = "马小花"
            $0.proposer.phone = "13951001234"
            $0.regionCode = "640104"
            $0.category = .service
            $0.title = "建议公共法律服务站周末开放"
            $0.content = "小区物业纠纷多，上班族只有周末有空，建议街道公共法律服务站周六上午开放半天。"
        }
    }

    @Test("群众建议：任何人可提出；第二十三条15日内书面告知；第二十九条答复（不采纳须说明理由）；建议内容进入舆情分析")
    func aSuggestionIsAcknowledgedAndAnswered() async throws {
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            let submitted = try await platform.withClient { client in try await Suggestions(wrapping: client).submitSuggestion(Self.suggestion()) }
            let matter = submitted.matter
            #expect(matter.status == "submitted" && matter.businessLine == "suggestions")
            let acknowledgement = try #require(matter.deadlines.first { $0.ruleID == "suggestions.acknowledgement" })
            #expect(acknowledgement.dueDate == "2026-12-22" && acknowledgement.article.contains("第二十三条"))
            #expect(matter.deadlines.contains { $0.ruleID == "suggestions.answer" && $0.article.contains("第二十九条") })

            // Bad input is named by its field.
            await expectStatus(.invalidArgument, field: "title") {
                _ = try await platform.withClient { client in
                    var bad = Self.suggestion()
                    bad.title = ""
                    return try await Suggestions(wrapping: client).submitSuggestion(bad)
                }
            }
            // The public cannot acknowledge; another city's staff may not either.
            await expectStatus(.permissionDenied) {
                _ = try await platform.withClient(as: "13951001234") { client in
                    try await Suggestions(wrapping: client).acknowledge(.with {
                        $0.trackingNumber = matter.trackingNumber
                        $0.note = "已收到"
                    })
                }
            }
            try await platform.withClient(as: "suggestions-640104") { client in
                let suggestions = Suggestions(wrapping: client)
                let acknowledged = try await suggestions.acknowledge(.with {
                    $0.trackingNumber = matter.trackingNumber
                    $0.note = "已收到，由兴庆区司法局公共法律服务科研究，30日内答复。"
                })
                #expect(acknowledged.status == "acknowledged")
                #expect(acknowledged.deadlines.first { $0.ruleID == "suggestions.acknowledgement" }?.state == .met)
                await expectStatus(.failedPrecondition) {
                    _ = try await suggestions.acknowledge(.with {
                        $0.trackingNumber = matter.trackingNumber
                        $0.note = "再次告知"
                    })
                }
                await expectStatus(.invalidArgument, field: "adoption") {
                    _ = try await suggestions.answer(.with {
                        $0.trackingNumber = matter.trackingNumber
                        $0.answer = "好"
                    })
                }
                await expectStatus(.invalidArgument, field: "answer", containing: ["理由"]) {
                    _ = try await suggestions.answer(.with {
                        $0.trackingNumber = matter.trackingNumber
                        $0.adoption = .notAdopted
                    })
                }
                let answered = try await suggestions.answer(.with {
                    $0.trackingNumber = matter.trackingNumber
                    $0.adoption = .partlyAdopted
                    $0.answer = "自2027年1月起，兴庆区公共法律服务中心每周六上午开放。"
                })
                #expect(answered.status == "answered" && answered.timeline.last?.note.hasPrefix("部分采纳：") == true)
                #expect(answered.deadlines.allSatisfy { $0.state == .met })
            }

            // Its words are read for public opinion: 物业 in Xingqing this week.
            let trends = try await platform.withClient(as: "supervision-640100") { client in
                try await Fawang_Opinion_V1_OpinionService.Client(wrapping: client).getTrends(.with {
                    $0.regionCode = "640104"
                    $0.businessLine = "suggestions"
                    $0.fromDay = "2026-12-07"
                })
            }
            #expect(trends.series.contains { $0.name == "物业纠纷" && $0.total == 1 }, "\(trends.series.map(\.name))")
        }
    }

    @Test("第二十三条、第二十九条：告知后答复一次，也可不经告知直接答复；已答复不能再告知")
    func theWorkflow() throws {
        func decide(_ command: SuggestionsWorkflow.Command, _ status: String) throws -> MatterChange {
            let matter = Matter(
                id: "m", trackingNumber: TrackingNumber.random(), businessLine: "suggestions", matterType: SuggestionsWorkflow.matterType,
                status: status, applicant: Person(name: "a", idNumber: "", phone: "13951001234"), parties: [], regionCode: "640104",
                channel: .web, operatorID: "", submittedAt: Date(), updatedAt: Date(),
                details: DetailsCoding.encode(SuggestionDetails(category: "service", title: "t", content: "c")), timeline: [])
            return try LineSteps<SuggestionsWorkflow>.decide(command, on: matter, StepContext(actor: "s", channel: .walkIn, now: Date()))
        }
        #expect(try decide(.acknowledge(note: "已收到"), "submitted").newStatus == "acknowledged")
        #expect(try decide(.answer(adoption: "adopted", text: "采纳"), "submitted").newStatus == "answered")
        #expect(try decide(.answer(adoption: "not_adopted", text: "理由"), "acknowledged").newStatus == "answered")
        #expect(throws: FawangError.self) { try decide(.acknowledge(note: "x"), "answered") }
        #expect(throws: FawangError.self) { try decide(.answer(adoption: "adopted", text: "再答"), "answered") }
    }
}
