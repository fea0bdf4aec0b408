import FawangCore
import FawangPluginKit
import FawangTestSupport
import Foundation
@testable import LegalAidPlugin
import Testing

/// The legal aid state machine on its own (法律援助法 第四十三条), no server.
@Suite struct LegalAidWorkflowTests {
    func matter(status: String, events: [String] = ["submitted"], details: LegalAidDetails? = nil) -> Matter {
        let base = details ?? LegalAidDetails(
            caseCategory: .maintenance, serviceForm: .litigationAgency, caseSummary: "s", opposingParty: "",
            hardship: nil, hardshipExemption: .domesticViolenceVictim, verificationExemption: nil, materials: [])
        return Matter(
            id: "m", trackingNumber: .random(), businessLine: "legal-aid", matterType: LegalAidWorkflow.matterType,
            status: status, applicant: Person(name: "a", idNumber: "", phone: "13951001234"), parties: [],
            regionCode: "640104", channel: .web, operatorID: "", submittedAt: Date(), updatedAt: Date(),
            details: base.encoded(),
            timeline: events.enumerated().map { MatterEvent(sequence: $0.offset + 1, kind: $0.element, at: Date(), actor: "x", channel: .web) })
    }

    func decide(_ command: LegalAidWorkflow.Command, _ matter: Matter) throws -> MatterChange {
        // Through the step runner's guard, as the service takes every step.
        try LineSteps<LegalAidWorkflow>.decide(command, on: matter, StepContext(actor: "staff-1", channel: .walkIn, now: Date()))
    }

    @Test func approveMovesToApprovedWithOneEvent() throws {
        let change = try decide(.approve(note: "符合条件"), matter(status: "submitted"))
        #expect(change.newStatus == "approved")
        #expect(change.events.map(\.kind) == ["approved"])
        #expect(change.events.first?.actor == "staff-1")
    }

    @Test("Art. 43 para. 1: a refusal records its written reasons")
    func refusalKeepsReasons() throws {
        let change = try decide(.refuse(reasons: "不符合经济困难标准"), matter(status: "submitted"))
        #expect(change.newStatus == "refused")
        let details = try JSONDecoder().decode(LegalAidDetails.self, from: change.details!)
        #expect(details.refusalReasons == "不符合经济困难标准")
    }

    @Test("Art. 43 para. 2: missing materials are requested once, all together")
    func materialsRequestedOnlyOnce() throws {
        let change = try decide(.requestMaterials(missing: ["劳动合同", "工资条"], note: ""), matter(status: "submitted"))
        #expect(change.newStatus == "awaiting_materials")
        #expect(change.events.first?.attributes["missing_materials"] == "劳动合同；工资条")
        let second = matter(status: "submitted", events: ["submitted", "materials_requested", "materials_supplied"])
        #expect {
            try decide(.requestMaterials(missing: ["身份证"], note: ""), second)
        } throws: { error in
            (error as? FawangError)?.code == .failedPrecondition && (error as! FawangError).message.contains("第四十三条第二款")
        }
    }

    @Test func noDecisionWhileWaitingForMaterials() {
        expectError(.failedPrecondition) { _ = try decide(.approve(note: ""), matter(status: "awaiting_materials")) }
    }

    @Test func assignOnlyAfterApproval() {
        let assignment = ProviderAssignment(providerID: "p", name: "n", organizationID: "o")
        expectError(.failedPrecondition) { _ = try decide(.assign(assignment), matter(status: "submitted")) }
        expectError(.failedPrecondition) { _ = try decide(.assign(assignment), matter(status: "refused")) }
    }

    @Test func ratingOnceAfterConclusion() throws {
        var details = LegalAidDetails(
            caseCategory: .maintenance, serviceForm: .litigationAgency, caseSummary: "s", opposingParty: "",
            hardship: nil, hardshipExemption: nil, verificationExemption: nil, materials: [])
        expectError(.failedPrecondition) { _ = try decide(.rate(Rating(score: 5, comment: "")), matter(status: "assigned", details: details)) }
        let change = try decide(.rate(Rating(score: 4, comment: "好")), matter(status: "concluded", details: details))
        #expect(change.newStatus == nil)
        #expect(change.events.first?.attributes["score"] == "4")
        details.rating = Rating(score: 4, comment: "好")
        expectError(.failedPrecondition, containing: ["只能评价一次"]) { _ = try decide(.rate(Rating(score: 5, comment: "")), matter(status: "concluded", details: details)) }
    }

    @Test func otherBusinessLinesAreNotTouched() {
        var other = matter(status: "submitted")
        other.businessLine = "notarization"
        expectError(.notFound, containing: ["不是法律援助事项"]) { _ = try decide(.approve(note: ""), other) }
    }

    @Test("Art. 43: decision within 7 days, waiting for materials excluded; assignment within 3 days")
    func deadlinesCiteArticle43() throws {
        let start = CivilDate(year: 2026, month: 12, day: 1).endInstant.addingTimeInterval(-12 * 3600)
        func at(_ days: Int) -> Date { start.addingTimeInterval(Double(days) * 86_400) }
        let timeline = [
            MatterEvent(sequence: 1, kind: "submitted", at: at(0), actor: "a", channel: .web),
            MatterEvent(sequence: 2, kind: "materials_requested", at: at(2), actor: "s", channel: .web),
            MatterEvent(sequence: 3, kind: "materials_supplied", at: at(5), actor: "a", channel: .web),
            MatterEvent(sequence: 4, kind: "approved", at: at(9), actor: "s", channel: .web),
        ]
        let decision = try #require(LegalAidWorkflow.decisionDeadline.evaluate(timeline: timeline, now: at(9), calendar: .builtIn))
        #expect(decision.rule.article == "《中华人民共和国法律援助法》第四十三条")
        #expect(decision.pausedDays == 3)
        #expect(decision.dueDate?.description == "2026-12-11")
        #expect(decision.state == .met)
        // Approved 12-10: the third day is Sunday 12-13, so the period runs to Monday 12-14 (民法典 第二百零三条).
        let assignment = try #require(LegalAidWorkflow.assignmentDeadline.evaluate(timeline: timeline, now: at(14), calendar: .builtIn))
        #expect(assignment.dueDate?.description == "2026-12-14")
        #expect(assignment.state == .overdue)
    }
}
