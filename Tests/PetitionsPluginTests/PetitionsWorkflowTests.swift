import FawangCore
import FawangPluginKit
import FawangTestSupport
import Foundation
@testable import PetitionsPlugin
import Testing

/// The petition state machine and its deadlines on their own (信访工作条例), no server.
@Suite struct PetitionsWorkflowTests {
    func day(_ y: Int, _ m: Int, _ d: Int) -> Date { CivilDate(year: y, month: m, day: d).endInstant.addingTimeInterval(-12 * 3600) }

    func matter(status: String, events: [(String, Date)] = [], anonymous: Bool = false) -> Matter {
        let details = PetitionDetails(anonymous: anonymous, subject: "退还公证费", factsAndReasons: "多收费")
        let timeline = (events.isEmpty ? [("registered", day(2026, 6, 1))] : events).enumerated().map {
            MatterEvent(sequence: $0.offset + 1, kind: $0.element.0, at: $0.element.1, actor: "x", channel: .web)
        }
        return Matter(
            id: "m", trackingNumber: .random(), businessLine: "petitions", matterType: PetitionsWorkflow.matterType,
            status: status, applicant: anonymous ? Person(name: "匿名", idNumber: "", phone: "") : Person(name: "马小花", idNumber: "", phone: "13951001234"),
            parties: [], regionCode: "640104", channel: .web, operatorID: "", submittedAt: Date(), updatedAt: Date(),
            details: details.encoded(), timeline: timeline)
    }

    /// A step by `staff-1` (of division `region`) at noon on `today`, through the step runner's
    /// guard, as the service takes every step.
    func decide(
        _ command: PetitionsWorkflow.Command, _ matter: Matter, today: CivilDate = CivilDate(year: 2026, month: 6, day: 2), region: String? = nil
    ) throws -> MatterChange {
        let noon = today.endInstant.addingTimeInterval(-12 * 3600)
        return try LineSteps<PetitionsWorkflow>.decide(
            command, on: matter, StepContext(actor: "staff-1", channel: .walkIn, callerRegion: region, now: noon, calendar: .builtIn))
    }

    func details(_ change: MatterChange) throws -> PetitionDetails {
        try JSONDecoder().decode(PetitionDetails.self, from: change.details!)
    }

    func evaluate(_ rule: DeadlineRule, _ events: [(String, Date)], now: Date) -> DeadlineStatus? {
        rule.evaluate(timeline: events.enumerated().map { MatterEvent(sequence: $0.offset + 1, kind: $0.element.0, at: $0.element.1, actor: "x", channel: .web) }, now: now, calendar: .builtIn)
    }

    @Test("信访工作条例第二十二条、第二十三条：15日内决定受理、不予受理或转送、交办并告知")
    func art22FifteenDaysToDecide() throws {
        let rule = PetitionsWorkflow.acceptanceDeadline
        #expect(rule.days == 15 && rule.dayType == .calendar)
        #expect(rule.article == "《信访工作条例》第二十二条、第二十三条")
        let status = try #require(evaluate(rule, [("registered", day(2026, 6, 1))], now: day(2026, 6, 2)))
        #expect(status.dueDate == CivilDate(year: 2026, month: 6, day: 16))
        #expect(evaluate(rule, [("registered", day(2026, 6, 1))], now: day(2026, 6, 17))?.state == .overdue)
        for met in ["accepted", "not_accepted", "referred"] {
            #expect(evaluate(rule, [("registered", day(2026, 6, 1)), (met, day(2026, 6, 10))], now: day(2026, 7, 1))?.state == .met)
        }
        // A matter transferred in from another line starts the clock on receipt.
        #expect(rule.startsOn.contains("transferred"))
        // A repeated petition is not decided again: its clock never starts.
        #expect(evaluate(rule, [("registered_duplicate", day(2026, 6, 1))], now: day(2026, 7, 1)) == nil)
    }

    @Test("信访工作条例第三十四条：受理之日起60日内办结，延长不超过30日，仅一次")
    func art34SixtyDaysExtendableOnceByThirty() throws {
        let rule = PetitionsWorkflow.handlingDeadline
        #expect(rule.days == 60)
        #expect(rule.extensions == ExtensionPolicy(maxTimes: 1, maxDays: 30, article: "《信访工作条例》第三十四条"))
        let events = [("registered", day(2026, 6, 1)), ("accepted", day(2026, 6, 1))]
        #expect(evaluate(rule, events, now: day(2026, 6, 2))?.dueDate == CivilDate(year: 2026, month: 7, day: 31))
        let extended = events + [("deadline_extended", day(2026, 7, 20))]
        var timeline = extended.enumerated().map { MatterEvent(sequence: $0.offset + 1, kind: $0.element.0, at: $0.element.1, actor: "x", channel: .web) }
        timeline[2].attributes = ["rule_id": "petitions.handling", "days": "30"]
        // 2026-08-30 is a Sunday: the period ends on Monday 2026-08-31 (民法典 第二百零三条).
        #expect(rule.evaluate(timeline: timeline, now: day(2026, 7, 21), calendar: .builtIn)?.dueDate == CivilDate(year: 2026, month: 8, day: 31))
    }

    @Test("信访工作条例第三十五条、第三十六条：复查、复核意见均在收到请求之日起30日内提出；复核听证时间不计入")
    func art35And36ThirtyDaysEach() {
        #expect(PetitionsWorkflow.reviewDeadline.days == 30)
        #expect(PetitionsWorkflow.reviewDeadline.article == "《信访工作条例》第三十五条")
        #expect(PetitionsWorkflow.rereviewDeadline.days == 30)
        #expect(PetitionsWorkflow.rereviewDeadline.article == "《信访工作条例》第三十六条")
        #expect(PetitionsWorkflow.rereviewDeadline.pauseReasons == [.hearing])
        #expect(evaluate(PetitionsWorkflow.reviewDeadline, [("review_requested", day(2026, 6, 1))], now: day(2026, 6, 2))?.dueDate == CivilDate(year: 2026, month: 7, day: 1))
    }

    @Test("信访工作条例第三十五条、第三十六条：复查由原办理机关的上一级、复核由复查机关的上一级提出意见")
    func art35And36ReviewByTheLevelAbove() throws {
        func matter(_ status: String, _ kinds: [String], regions: [String: String]) -> Matter {
            var base = self.matter(status: status, events: kinds.map { ($0, day(2026, 6, 1)) })
            for index in base.timeline.indices { base.timeline[index].attributes = regions[base.timeline[index].kind].map { ["unit_region": $0] } ?? [:] }
            return base
        }
        func record(_ level: PetitionsWorkflow.ReviewLevel, _ matter: Matter, by region: String) throws -> MatterChange {
            try decide(.recordReview(level, unit: "上一级机关", opinion: "维持"), matter, region: region)
        }
        // The answer records the answering staff's division.
        let answer = try decide(.answer(opinion: "已责令退还"), self.matter(status: "accepted"), region: "640104")
        #expect(answer.events.first?.attributes["unit_region"] == "640104")
        // Answered in Xingqing district: the district itself, or another city, may not review it; Yinchuan may.
        let answered = matter("review_requested", ["registered", "accepted", "answered", "review_requested"], regions: ["answered": "640104"])
        expectError(.permissionDenied, containing: ["上一级"]) { _ = try record(.review, answered, by: "640104") }
        expectError(.permissionDenied, containing: ["上一级"]) { _ = try record(.review, answered, by: "640200") }
        let reviewed = try record(.review, answered, by: "640100")
        #expect(reviewed.newStatus == "reviewed")
        #expect(reviewed.events.first?.attributes["unit_region"] == "640100")
        // Reviewed by Yinchuan: the re-review is the province's, not Yinchuan's again.
        let rereview = matter(
            "rereview_requested", ["registered", "accepted", "answered", "review_requested", "reviewed", "rereview_requested"],
            regions: ["answered": "640104", "reviewed": "640100"])
        expectError(.permissionDenied, containing: ["上一级"]) { _ = try record(.rereview, rereview, by: "640100") }
        #expect(try record(.rereview, rereview, by: "640000").newStatus == "concluded")
        // The wrong status is still reported as such.
        expectError(.failedPrecondition) { _ = try record(.rereview, answered, by: "640000") }

        // Staff and department admins act as the organ of their division; a platform admin is no
        // organ of a level: the step's context carries no division, so no level check applies
        // and no unit_region is recorded.
        let organ = { (role: Role, region: String) in
            PetitionsWorkflow.callerRegion(of: Principal(accountID: "a", displayName: "x", role: role, regionCode: region))
        }
        #expect(organ(.staff, "640100") == "640100")
        #expect(organ(.departmentAdmin, "640000") == "640000")
        #expect(organ(.platformAdmin, "640000") == nil)
        #expect(organ(.citizen, "640104") == nil)
        let byAdmin = try decide(.recordReview(.review, unit: "银川市司法局", opinion: "维持"), answered, region: nil)
        #expect(byAdmin.newStatus == "reviewed")
        #expect(byAdmin.events.first?.attributes["unit_region"] == nil)
    }

    @Test func onlyPetitionsAreDecidedHere() {
        var other = matter(status: "registered")
        other.businessLine = "legal-aid"
        expectError(.notFound, containing: ["不是信访事项"]) { _ = try decide(.accept(note: ""), other) }
        other.businessLine = "petitions"
        other.matterType = "petitions.other"
        expectError(.notFound, containing: ["不是信访事项"]) { _ = try decide(.accept(note: ""), other) }
    }

    @Test func decisionsRecordTheNotice() throws {
        let accepted = try decide(.accept(note: "按投诉处理程序办理"), matter(status: "registered"))
        #expect(accepted.newStatus == "accepted")
        #expect(accepted.events.first?.attributes["notice"] == "已书面告知信访人")
        #expect(try details(accepted).writtenNotice == true)
        let refused = try decide(.notAccept(reasons: "属于人民法院受理范围"), matter(status: "registered"))
        #expect(refused.newStatus == "not_accepted")
        #expect(try details(refused).notAcceptedReasons == "属于人民法院受理范围")
        let referred = try decide(.refer(Referral(kind: .assign, unit: "兴庆区司法局", reportBy: "2026-06-30"), note: ""), matter(status: "registered"))
        #expect(referred.newStatus == "referred")
        #expect(referred.events.first?.attributes == ["kind": "assign", "unit": "兴庆区司法局", "report_by": "2026-06-30", "notice": "已书面告知信访人"])
    }

    @Test("信访工作条例第二十三条第二款：匿名信访无法书面告知，也不能请求复查")
    func anonymousGetsNoNoticeAndNoReview() throws {
        let accepted = try decide(.accept(note: ""), matter(status: "registered", anonymous: true))
        #expect(accepted.events.first?.attributes["notice"]?.contains("匿名") == true)
        #expect(try details(accepted).writtenNotice == false)
        let answered = matter(status: "answered", events: [("registered", day(2026, 6, 1)), ("accepted", day(2026, 6, 2)), ("answered", day(2026, 6, 20))], anonymous: true)
        expectError(.failedPrecondition, containing: ["匿名信访无法送达书面答复"]) { _ = try decide(.requestReview(.review, reasons: "不服"), answered, today: CivilDate(year: 2026, month: 6, day: 21)) }
    }

    @Test("信访工作条例第三十五条：自收到书面答复之日起30日内请求复查，逾期不予受理")
    func art35ReviewRequestWithinThirtyDays() throws {
        let answered = matter(status: "answered", events: [("registered", day(2026, 6, 1)), ("accepted", day(2026, 6, 2)), ("answered", day(2026, 6, 10))])
        // Answer on 2026-06-10: the last day is 2026-07-10.
        let change = try decide(.requestReview(.review, reasons: "退费数额不对"), answered, today: CivilDate(year: 2026, month: 7, day: 10))
        #expect(change.newStatus == "review_requested")
        #expect(try details(change).review?.requestReasons == "退费数额不对")
        expectError(.failedPrecondition, containing: ["期限已于2026-07-10届满"]) { _ = try decide(.requestReview(.review, reasons: "不服"), answered, today: CivilDate(year: 2026, month: 7, day: 11)) }
        // Not a re-review before the review.
        expectError(.failedPrecondition) { _ = try decide(.requestReview(.rereview, reasons: "不服"), answered, today: CivilDate(year: 2026, month: 6, day: 11)) }
    }

    @Test("信访工作条例第三十六条：自收到复查意见之日起30日内请求复核")
    func art36ReReviewRequestWithinThirtyDays() throws {
        let reviewed = matter(status: "reviewed", events: [("registered", day(2026, 6, 1)), ("answered", day(2026, 6, 10)), ("review_requested", day(2026, 6, 15)), ("reviewed", day(2026, 7, 1))])
        #expect(try decide(.requestReview(.rereview, reasons: "仍不服"), reviewed, today: CivilDate(year: 2026, month: 7, day: 31)).newStatus == "rereview_requested")
        expectError(.failedPrecondition) { _ = try decide(.requestReview(.rereview, reasons: "仍不服"), reviewed, today: CivilDate(year: 2026, month: 8, day: 1)) }
        let recorded = try decide(.recordReview(.rereview, unit: "宁夏回族自治区司法厅", opinion: "维持复查意见"), matter(status: "rereview_requested"))
        #expect(recorded.newStatus == "concluded")
        #expect(PetitionsWorkflow.machine.terminalStatuses.contains("concluded"))
    }

    @Test("信访工作条例第三十六条第三款：复核后以同一事实和理由提出的，不再受理")
    func art36NoFurtherPetitionAfterReReview() throws {
        expectError(.failedPrecondition, containing: ["第三十六条第三款"]) { _ = try PetitionsWorkflow.link(to: matter(status: "concluded")) }
        let open = matter(status: "accepted")
        #expect(try PetitionsWorkflow.link(to: open) == open.trackingNumber.formatted)
    }

    @Test("信访工作条例第十九条第三款：同一信访事项重复提出的，并入原事项，只计一次")
    func repeatsLinkToTheFirstPetition() throws {
        let first = matter(status: "accepted")
        var repeatDetails = PetitionDetails(anonymous: false, subject: "s", factsAndReasons: "f")
        repeatDetails.duplicateOf = first.trackingNumber.formatted
        var repeated = matter(status: "duplicate")
        repeated.details = repeatDetails.encoded()
        #expect(try PetitionsWorkflow.link(to: repeated) == first.trackingNumber.formatted)
        let change = try PetitionsWorkflow.recordDuplicate(repeated.trackingNumber, on: first, channel: .web)
        #expect(change.events.map(\.kind) == ["duplicate_received"])
        #expect(change.newStatus == nil)
        #expect(try details(change).duplicates == [repeated.trackingNumber.formatted])
        // Recording the same repeat twice changes nothing.
        var linked = first
        linked.details = change.details!
        #expect(try PetitionsWorkflow.recordDuplicate(repeated.trackingNumber, on: linked, channel: .web).isEmpty)
        #expect(PetitionsWorkflow.machine.terminalStatuses.contains("duplicate"))
    }
}
