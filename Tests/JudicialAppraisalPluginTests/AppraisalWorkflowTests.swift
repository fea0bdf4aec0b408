import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
@testable import JudicialAppraisalPlugin
import Testing

/// The appraisal state machines and their clocks on their own, no server. The limits come from
/// 《司法鉴定程序通则》, not in the corpus: declared `articleConfirmed: false` (待确认).
@Suite struct AppraisalWorkflowTests {
    func entrustment(status: String) -> Matter {
        let details = EntrustmentDetails(
            entrusterType: .court, entrusterOrganization: "银川市兴庆区人民法院", caseNumber: "", institutionID: "ja-640100-1",
            institutionName: "银川市法医物证司法鉴定中心（演示）", category: .forensicMedicine, appraisalMatters: "伤残等级鉴定",
            purpose: "诉讼", caseSummary: "", materials: ["病历资料"])
        return matter(type: AppraisalWorkflow.entrustmentType, status: status, details: DetailsCoding.encode(details))
    }

    func complaint(status: String) -> Matter {
        let details = ComplaintDetails(
            appraiserID: "jap-01", appraiserName: "张明", institutionID: "ja-640100-1", institutionName: "中心",
            entrustmentTrackingNumber: "", facts: "未到场检查", materials: [])
        return matter(type: AppraisalWorkflow.complaintType, status: status, details: DetailsCoding.encode(details))
    }

    func matter(type: String, status: String, details: Data) -> Matter {
        Matter(
            id: "m", trackingNumber: .random(), businessLine: "judicial-appraisal", matterType: type, status: status,
            applicant: Person(name: "a", idNumber: "", phone: "13951001234"), parties: [], regionCode: "640100", channel: .api,
            operatorID: "", submittedAt: Date(), updatedAt: Date(), details: details, timeline: [])
    }

    func decide(_ command: AppraisalWorkflow.Command, _ matter: Matter) throws -> MatterChange {
        try LineSteps<AppraisalWorkflow>.decide(command, on: matter, StepContext(actor: "staff-1", channel: .walkIn, now: Date()))
    }

    static let two = [AppraiserRef(id: "jap-01", name: "张明"), AppraiserRef(id: "jap-02", name: "李华")]

    @Test func acceptAssignsTheAppraisers() throws {
        let change = try decide(.accept(appraisers: Self.two, note: "签订鉴定委托书"), entrustment(status: "entrusted"))
        #expect(change.newStatus == "accepted")
        #expect(change.events.first?.attributes["appraisers"] == "张明、李华")
        let details = try JSONDecoder().decode(EntrustmentDetails.self, from: try #require(change.details))
        #expect(details.appraisers == Self.two)
    }

    @Test("《司法鉴定程序通则》第十五条（待确认）：不予受理须列明情形并说明理由")
    func refusalNeedsGrounds() throws {
        let change = try decide(.refuse(grounds: [.beyondCapability], reasons: "本机构不具备该项检验设备"), entrustment(status: "entrusted"))
        #expect(change.newStatus == "not_accepted")
        #expect(change.events.first?.attributes["grounds"] == "beyond_capability")
        #expect {
            try decide(.refuse(grounds: [], reasons: "x"), entrustment(status: "entrusted"))
        } throws: { error in
            (error as? FawangError)?.violations.map(\.field) == ["grounds"]
        }
        expectError(.failedPrecondition, containing: ["已受理，鉴定中"]) { _ = try decide(.refuse(grounds: [.other], reasons: "x"), entrustment(status: "accepted")) }
        #expect(NonAcceptanceGround.allCases.count == 7)
    }

    @Test("《司法鉴定程序通则》第二十八条（待确认）：补充或重新提取鉴定材料，补充后继续鉴定")
    func materialsRoundTrip() throws {
        let change = try decide(.requestMaterials(.reExtract, missing: ["血液检材"], note: "检材污染"), entrustment(status: "accepted"))
        #expect(change.newStatus == "awaiting_materials")
        #expect(change.events.first?.attributes["kind"] == "re_extract")
        expectError(.failedPrecondition, containing: ["待补充或重新提取鉴定材料"]) {
            _ = try decide(.issueOpinion(number: "x", summary: "y"), entrustment(status: "awaiting_materials"))
        }
        #expect(try decide(.supplyMaterials(["血液检材"]), entrustment(status: "awaiting_materials")).newStatus == "accepted")
        let issued = try decide(.issueOpinion(number: "宁某司鉴[2026]临鉴字第12号", summary: "构成十级伤残"), entrustment(status: "accepted"))
        #expect(issued.newStatus == "completed")
        #expect(issued.events.first?.attributes["opinion_number"] == "宁某司鉴[2026]临鉴字第12号")
    }

    @Test func complaintRecordHandleOutcome() throws {
        let accepted = try decide(.acceptComplaint(note: "受理"), complaint(status: "received"))
        #expect(accepted.newStatus == "investigating")
        #expect(accepted.events.first?.attributes["appraiser_id"] == "jap-01")
        let concluded = try decide(.concludeComplaint(.correctionOrdered, findings: "未按规范检查"), complaint(status: "investigating"))
        #expect(concluded.newStatus == "concluded")
        #expect(concluded.events.first?.attributes["outcome"] == "correction_ordered")
        let details = try JSONDecoder().decode(ComplaintDetails.self, from: try #require(concluded.details))
        #expect(details.outcome == .correctionOrdered)
        #expect(try decide(.rejectComplaint(reasons: "不属于执业活动"), complaint(status: "received")).newStatus == "rejected")
        expectError(.failedPrecondition, containing: ["已收到投诉，待受理"]) { _ = try decide(.concludeComplaint(.unfounded, findings: "x"), complaint(status: "received")) }
        // The two matter types do not mix.
        expectError(.failedPrecondition, containing: ["是司法鉴定委托，不是投诉"]) { _ = try decide(.acceptComplaint(note: ""), entrustment(status: "entrusted")) }
        expectError(.failedPrecondition, containing: ["是投诉，不是司法鉴定委托"]) { _ = try decide(.accept(appraisers: Self.two, note: ""), complaint(status: "received")) }
        // Nor is another line's matter one of them (the same answer as an unknown number).
        var other = entrustment(status: "entrusted")
        other.businessLine = "notarization"
        expectError(.notFound, containing: ["不是司法鉴定事项"]) { _ = try decide(.accept(appraisers: Self.two, note: ""), other) }
    }

    // MARK: Clocks

    func event(_ sequence: Int, _ kind: String, _ date: Date, _ attributes: [String: String] = [:]) -> MatterEvent {
        MatterEvent(sequence: sequence, kind: kind, at: date, actor: "s", channel: .walkIn, attributes: attributes)
    }

    @Test("《司法鉴定程序通则》第十三条（待确认）：收到委托之日起七个工作日内决定是否受理")
    func acceptanceWithinSevenWorkingDays() throws {
        let rule = AppraisalWorkflow.acceptanceDeadline
        #expect(!rule.articleConfirmed)
        #expect(rule.article == "《司法鉴定程序通则》第十三条（待确认）")
        #expect(rule.dayType == .working && rule.days == 7)
        // Entrusted Mon 2026-06-01: 6/2–6/5, 6/8–6/10.
        let timeline = [event(1, "entrusted", beijing(2026, 6, 1))]
        let status = try #require(rule.evaluate(timeline: timeline, now: beijing(2026, 6, 2), calendar: .builtIn))
        #expect(status.dueDate?.description == "2026-06-10")
        #expect(status.summary.contains("依据待确认"))
        // Across 中秋 and 国庆: entrusted Thu 9/24 → 9/28–9/30, 10/8, 10/9, 10/10 (调休), 10/12.
        let autumn = try #require(rule.evaluate(timeline: [event(1, "entrusted", beijing(2026, 9, 24))], now: beijing(2026, 9, 24), calendar: .builtIn))
        #expect(autumn.dueDate?.description == "2026-10-12")
        let refused = timeline + [event(2, "not_accepted", beijing(2026, 6, 12))]
        #expect(try #require(rule.evaluate(timeline: refused, now: beijing(2026, 6, 12), calendar: .builtIn)).state == .metLate)
    }

    @Test("《司法鉴定程序通则》第二十八条（待确认）：受理之日起三十个工作日内完成鉴定，端午节不计")
    func completionWithinThirtyWorkingDays() throws {
        let rule = AppraisalWorkflow.completionDeadline
        #expect(!rule.articleConfirmed)
        #expect(rule.article == "《司法鉴定程序通则》第二十八条（待确认）")
        #expect(rule.dayType == .working && rule.days == 30)
        // Accepted Mon 2026-06-01; 6/19 (端午) is not counted.
        let timeline = [event(1, "entrusted", beijing(2026, 6, 1, hour: 9)), event(2, "accepted", beijing(2026, 6, 1))]
        let status = try #require(rule.evaluate(timeline: timeline, now: beijing(2026, 6, 2), calendar: .builtIn))
        #expect(status.dueDate?.description == "2026-07-14")
        // The configured length replaces the 30 days of a rule whose article is to be confirmed.
        let configured = try #require(rule.evaluate(timeline: timeline, now: beijing(2026, 6, 2), calendar: .builtIn, days: 20))
        #expect(configured.dueDate?.description == "2026-06-30")
    }

    @Test("《司法鉴定程序通则》第二十八条（待确认）：补充或重新提取鉴定材料的时间不计入鉴定时限")
    func materialsTimeIsNotCounted() throws {
        let timeline = [
            event(1, "entrusted", beijing(2026, 6, 1, hour: 9)), event(2, "accepted", beijing(2026, 6, 1)),
            event(3, "materials_requested", beijing(2026, 6, 10), ["kind": "re_extract"]),
        ]
        let rule = AppraisalWorkflow.completionDeadline
        #expect(try #require(rule.evaluate(timeline: timeline, now: beijing(2026, 6, 12), calendar: .builtIn)).state == .paused)
        // Stopped 6/10–6/16: five working days later than 7/14.
        let resumed = timeline + [event(4, "materials_supplied", beijing(2026, 6, 17))]
        let status = try #require(rule.evaluate(timeline: resumed, now: beijing(2026, 6, 17), calendar: .builtIn))
        #expect(status.dueDate?.description == "2026-07-21")
    }

    @Test("《司法鉴定程序通则》第二十八条（待确认）：经批准可延长一次，不超过三十个工作日")
    func oneExtensionOfAtMostThirtyWorkingDays() throws {
        let rule = AppraisalWorkflow.completionDeadline
        #expect(rule.extensions == ExtensionPolicy(maxTimes: 1, maxDays: 30, article: "《司法鉴定程序通则》第二十八条（待确认）"))
        let timeline = [
            event(1, "entrusted", beijing(2026, 6, 1, hour: 9)), event(2, "accepted", beijing(2026, 6, 1)),
            event(3, "deadline_extended", beijing(2026, 7, 1), ["rule_id": rule.id, "days": "30"]),
        ]
        let status = try #require(rule.evaluate(timeline: timeline, now: beijing(2026, 7, 2), calendar: .builtIn))
        #expect(status.days == 60)
        #expect(status.extensions == 1)
        #expect(status.dueDate?.description == "2026-08-25")
    }

    @Test("《司法鉴定程序通则》第二十八条（待确认）：工作日历只到2026年底，跨年的鉴定时限不作推测")
    func pastTheCalendarIsUncomputable() throws {
        let timeline = [event(1, "entrusted", beijing(2026, 12, 1, hour: 9)), event(2, "accepted", beijing(2026, 12, 1))]
        let status = try #require(AppraisalWorkflow.completionDeadline.evaluate(timeline: timeline, now: beijing(2026, 12, 2), calendar: .builtIn))
        #expect(status.state == .uncomputable)
    }
}
