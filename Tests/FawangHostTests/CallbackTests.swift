import FawangCatalog
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf
import Testing

/// 回访: a rating of 2 or less opens the platform's callback limit on the matter (2 working days,
/// a service standard); it shows in the alerts like any limit, overdue when missed, and the
/// office closes it with what came of it.
@Suite struct CallbackTests {
    typealias LegalAid = Fawang_Legalaid_V1_LegalAidService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>
    typealias Deadlines = Fawang_Deadline_V1_DeadlineService.Client<InProcessTransport.Client>

    /// A legal aid matter taken to its conclusion by Yinchuan's reviewer.
    static func concluded(_ platform: TestPlatform) async throws -> String {
        try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
            let legalAid = LegalAid(wrapping: client)
            let number = try await legalAid.submitApplication(LegalAidSamples.application()).matter.trackingNumber
            _ = try await legalAid.approve(.with { $0.trackingNumber = number; $0.context = LegalAidSamples.staff() })
            _ = try await legalAid.assign(.with { $0.trackingNumber = number; $0.providerID = "lap-640100-1"; $0.context = LegalAidSamples.staff() })
            _ = try await legalAid.conclude(.with { $0.trackingNumber = number; $0.outcomeSummary = "已结案"; $0.context = LegalAidSamples.staff() })
            return number
        }
    }

    static func rate(_ platform: TestPlatform, _ number: String, _ score: Int32) async throws -> Fawang_Matter_V1_ProgressReport {
        try await platform.withInProcessClient { client in
            try await Matters(wrapping: client).rateMatter(.with {
                $0.trackingNumber = number
                $0.phoneLast4 = "1234"
                $0.score = score
                $0.comment = score < 3 ? "律师一直联系不上" : "满意"
                $0.context.channel = .web
            })
        }
    }

    @Test("回访：评价2分及以下转办理机构，2个工作日内回访并登记结果；逾期进入提醒")
    func aLowRatingOpensACallbackThatMustBeClosed() async throws {
        // Monday 2026-11-02: two working days end on Wednesday 11/4.
        let clock = TestClock(at: beijing(2026, 11, 2))
        try await TestPlatform.with(plugins: PluginCatalog.all, clock: clock) { platform in
            let (low, fine) = (try await Self.concluded(platform), try await Self.concluded(platform))
            let report = try await Self.rate(platform, low, 2)
            #expect(report.timeline.suffix(2).map(\.kind) == ["rated", "callback_required"])
            let callback = try #require(report.deadlines.first { $0.ruleID == "platform.callback" })
            #expect(callback.dueDate == "2026-11-04" && callback.state == .running && callback.period == "2个工作日")
            #expect(try await Self.rate(platform, fine, 4).deadlines.allSatisfy { $0.ruleID != "platform.callback" })

            clock.set(beijing(2026, 11, 5))
            try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                let alerts = try await Deadlines(wrapping: client).listAlerts(.with { $0.businessLine = "legal-aid" })
                #expect(alerts.alerts.contains { $0.ruleID == "platform.callback" && $0.kind == .overdue && $0.trackingNumber.filter(\.isNumber) == low.filter(\.isNumber) })
            }
            // Another line's staff may not record it; the matter's office does, once.
            try await platform.withInProcessClient(as: "mediation-640100") { client in
                await expectStatus(.permissionDenied) {
                    _ = try await Matters(wrapping: client).closeCallback(.with {
                        $0.trackingNumber = low
                        $0.outcome = "x"
                        $0.context = LegalAidSamples.staff()
                    })
                }
            }
            try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                let matters = Matters(wrapping: client)
                await expectStatus(.invalidArgument, field: "outcome") {
                    _ = try await matters.closeCallback(.with { $0.trackingNumber = low; $0.context = LegalAidSamples.staff() })
                }
                let closed = try await matters.closeCallback(.with {
                    $0.trackingNumber = low
                    $0.outcome = "已电话联系申请人，律师更换联系方式后已恢复沟通，申请人表示理解"
                    $0.reached = true
                    $0.context = LegalAidSamples.staff()
                })
                #expect(closed.timeline.last?.kind == "callback_done" && closed.timeline.last?.attributes["reached"] == "true")
                #expect(closed.deadlines.first { $0.ruleID == "platform.callback" }?.state == .metLate)
                await expectStatus(.failedPrecondition) {
                    _ = try await matters.closeCallback(.with { $0.trackingNumber = low; $0.outcome = "再次回访"; $0.context = LegalAidSamples.staff() })
                }
                await expectStatus(.failedPrecondition) {
                    _ = try await matters.closeCallback(.with { $0.trackingNumber = fine; $0.outcome = "回访"; $0.context = LegalAidSamples.staff() })
                }
                let after = try await Deadlines(wrapping: client).listAlerts(.with { $0.businessLine = "legal-aid" })
                #expect(!after.alerts.contains { $0.ruleID == "platform.callback" })
            }
        }
    }
}
