import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
@testable import AdministrativeApprovalPlugin
import Testing

/// The licensing procedure on its own (行政许可法 第三十二条、第四十二条至第四十七条), no server.
@Suite struct ApprovalWorkflowTests {
    typealias Workflow = ApprovalWorkflow
    func july(_ day: Int) -> Date { ApprovalSamples.july(day) }

    func event(_ kind: String, _ day: Int, _ attributes: [String: String] = [:]) -> MatterEvent {
        MatterEvent(sequence: 0, kind: kind, at: july(day), actor: "x", channel: .walkIn, attributes: attributes)
    }

    func matter(_ status: String, item: LicensingItem = .lawFirmEstablishment, region: String = "640100", events: [MatterEvent]? = nil) -> Matter {
        let details = ApprovalDetails(item: item, organizationName: "某所", summary: "s", materials: [])
        let timeline = (events ?? [event("submitted", 1)]).enumerated().map { index, event in
            var numbered = event
            numbered.sequence = index + 1
            return numbered
        }
        return Matter(
            id: "m", trackingNumber: TrackingNumber("6401202607010017") ?? .random(), businessLine: "admin-approval",
            matterType: Workflow.matterType, status: status, applicant: Person(name: "a", idNumber: "", phone: "13951001234"), parties: [],
            regionCode: region, channel: .walkIn, operatorID: "", submittedAt: july(1), updatedAt: july(1),
            details: DetailsCoding.encode(details), timeline: timeline)
    }

    func decide(_ command: Workflow.Command, _ matter: Matter, by region: String? = "640100", on day: Int = 2) throws -> MatterChange {
        // Through the step runner's guard, as the service takes every step.
        try LineSteps<Workflow>.decide(command, on: matter, StepContext(actor: "staff-1", channel: .walkIn, callerRegion: region, now: july(day), calendar: .builtIn))
    }

    func details(_ change: MatterChange) throws -> ApprovalDetails {
        try JSONDecoder().decode(ApprovalDetails.self, from: try #require(change.details))
    }

    func failure(_ body: () throws -> MatterChange) -> FawangError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? FawangError
        }
    }

    // MARK: Receipt and acceptance (Art. 32)

    @Test("行政许可法第三十二条第一款第四项: corrections are told once, all together")
    func art32CorrectionsToldOnce() throws {
        let change = try decide(.requestMaterials(missing: ["资产证明", "住所证明"], note: ""), matter("received"))
        #expect(change.newStatus == "awaiting_materials")
        #expect(change.events.first?.attributes["missing_materials"] == "资产证明；住所证明")
        let again = matter("received", events: [event("submitted", 1), event("materials_requested", 2), event("materials_supplied", 4)])
        let error = failure { try decide(.requestMaterials(missing: ["身份证"], note: ""), again, on: 5) }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message.contains("第三十二条第一款第四项") == true)
    }

    @Test("行政许可法第三十二条第一款第四项: not told within 5 days, no more corrections; acceptance records receipt")
    func art32DeemedAcceptedAfterFiveDays() throws {
        // Received 1 July: the fifth day is 6 July (a Monday).
        #expect(try decide(.requestMaterials(missing: ["资产证明"], note: ""), matter("received"), on: 6).newStatus == "awaiting_materials")
        let error = failure { try decide(.requestMaterials(missing: ["资产证明"], note: ""), matter("received"), on: 7) }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message.contains("即为受理") == true)
        let late = try decide(.accept(note: ""), matter("received"), on: 7)
        #expect(late.events.first?.attributes["deemed_accepted_from"] == "2026-07-01")
        let timely = try decide(.accept(note: ""), matter("received"), on: 6)
        #expect(timely.events.first?.attributes["deemed_accepted_from"] == nil)
    }

    @Test("行政许可法第三十二条第一款第二项: not accepting for want of competence names where to apply")
    func art32NonAcceptance() throws {
        let change = try decide(.notAccept(NonAcceptance(ground: .outsideCompetence, reasons: "不属于本机关职权", competentAuthority: "宁夏回族自治区司法厅")), matter("received"))
        #expect(change.newStatus == "not_accepted")
        #expect(change.events.first?.attributes["competent_authority"] == "宁夏回族自治区司法厅")
        #expect(try details(change).nonAcceptance?.ground == .outsideCompetence)
        // "Corrections not supplied" only after a correction notice.
        let error = failure { try decide(.notAccept(NonAcceptance(ground: .correctionsNotSupplied, reasons: "r", competentAuthority: "")), matter("received")) }
        #expect(error?.code == .failedPrecondition)
        #expect(try decide(.notAccept(NonAcceptance(ground: .correctionsNotSupplied, reasons: "r", competentAuthority: "")), matter("awaiting_materials")).newStatus == "not_accepted")
    }

    @Test("行政许可法第四十三条: a two-level item goes to the lower bureau's review first")
    func art43AcceptanceRoutesByLevel() throws {
        let twoLevel = try decide(.accept(note: ""), matter("received"))
        #expect(twoLevel.newStatus == "lower_review")
        #expect(twoLevel.events.map(\.kind) == ["accepted_for_lower_review"])
        let oneLevel = try decide(.accept(note: ""), matter("received", item: .judicialAppraisalRegistration, region: "640000"), by: "640000")
        #expect(oneLevel.newStatus == "under_review")
        #expect(oneLevel.events.map(\.kind) == ["accepted"])
        // Under the lower bureau's review the reviewing bureau may not decide (Art. 43).
        expectError(.permissionDenied, containing: ["第四十三条"]) { _ = try decide(.approve(note: ""), matter("lower_review")) }
    }

    @Test("行政许可法第四十三条: the reviewing bureau cannot decide; the upper one does", arguments: [
        (LicensingItem.lawFirmEstablishment, "640100", "640100", false), (.lawFirmEstablishment, "640100", "640000", true),
        (.grassrootsLegalWorkerPractice, "640104", "640104", false), (.grassrootsLegalWorkerPractice, "640104", "640100", true),
        (.judicialAppraisalRegistration, "640000", "640000", true),
    ])
    func art43UpperDecides(_ item: LicensingItem, _ region: String, _ caller: String, _ allowed: Bool) throws {
        let reviewed = matter("under_review", item: item, region: region)
        let error = failure { try decide(.approve(note: ""), reviewed, by: caller) }
        if allowed {
            #expect(error == nil)
        } else {
            #expect(error?.code == .permissionDenied)
            #expect(error?.message.contains("第四十三条") == true)
        }
        #expect(failure { try decide(.deny(reasons: "r", remedies: "m"), reviewed, by: caller) }?.code == (allowed ? nil : .permissionDenied))
    }

    @Test("行政许可法第三十八条第一款、第四十四条: approval issues a licence number, then the certificate is served")
    func approvalIssuesLicenceNumber() throws {
        let change = try decide(.approve(note: "符合条件"), matter("under_review"), by: "640000")
        #expect(change.newStatus == "approved")
        let number = try #require(try details(change).licenceNumber)
        #expect(number.hasPrefix("宁司许律所〔2026〕"))
        #expect(change.events.first?.attributes["licence_number"] == number)
        let issued = try decide(.issueLicence(delivery: "窗口领取"), matter("approved"))
        #expect(issued.newStatus == "licence_issued")
    }

    @Test("行政许可法第三十八条第二款: a denial keeps its reasons and the remedies notice")
    func art38DenialWithRemedies() throws {
        let remedies = ApprovalApplication.remediesNotice(reconsiderationOrgan: "", court: "")
        let change = try decide(.deny(reasons: "设立人执业经历不满三年", remedies: remedies), matter("under_review"), by: "640000")
        #expect(change.newStatus == "denied")
        #expect(try details(change).denial == Denial(reasons: "设立人执业经历不满三年", remedies: remedies))
        #expect(change.events.first?.attributes["remedies"] == remedies)
        expectError(.failedPrecondition) { _ = try decide(.issueLicence(delivery: "x"), matter("denied")) }
    }

    // MARK: Hearing (Arts. 47, 48)

    @Test("行政许可法第四十七条: a hearing is requested within 5 days of the notice of the right")
    func art47HearingRequestWindow() throws {
        let notNotified = matter("under_review", events: [event("submitted", 1), event("accepted", 1)])
        #expect(failure { try decide(.requestHearing(note: ""), notNotified) }?.code == .failedPrecondition)
        let notified = matter("under_review", events: [event("submitted", 1), event("accepted", 1), event("hearing_rights_notified", 2)])
        #expect(try decide(.requestHearing(note: "利害关系人申请"), notified, on: 7).newStatus == nil)
        let late = failure { try decide(.requestHearing(note: ""), notified, on: 8) }
        #expect(late?.code == .failedPrecondition)
        #expect(late?.message.contains("第四十七条") == true)
    }

    @Test("行政许可法第四十八条: a requested hearing is held before the decision")
    func art48DecisionAfterHearing() throws {
        let requested = matter("under_review", events: [
            event("submitted", 1), event("accepted", 1), event("hearing_rights_notified", 2), event("hearing_requested", 3),
        ])
        #expect(failure { try decide(.approve(note: ""), requested, by: "640000") }?.code == .failedPrecondition)
        #expect(failure { try decide(.requestHearing(note: ""), requested) }?.code == .failedPrecondition)
        #expect(try decide(.recordHearing(transcript: "笔录"), requested).events.map(\.kind) == ["hearing_held"])
        var held = requested
        held.timeline.append(MatterEvent(sequence: 5, kind: "hearing_held", at: july(10), actor: "x", channel: .walkIn))
        #expect(try decide(.approve(note: ""), held, by: "640000").newStatus == "approved")
        #expect(failure { try decide(.recordHearing(transcript: "x"), held) }?.code == .failedPrecondition)
    }

    @Test func otherBusinessLinesAreNotTouched() {
        var other = matter("received")
        other.businessLine = "lawyers"
        #expect(failure { try decide(.accept(note: ""), other) }?.code == .notFound)
    }

    // MARK: Deadlines

    func status(_ rule: DeadlineRule, _ events: [MatterEvent], on day: Int) throws -> DeadlineStatus {
        let timeline = events.enumerated().map { index, event in
            var numbered = event
            numbered.sequence = index + 1
            return numbered
        }
        return try #require(rule.evaluate(timeline: timeline, now: july(day), calendar: .builtIn))
    }

    @Test("行政许可法第三十二条: accept, refuse or tell all corrections within 5 days of receipt")
    func art32FiveDays() throws {
        let rule = Workflow.acceptanceDeadline
        #expect(rule.article == "《中华人民共和国行政许可法》第三十二条")
        #expect(rule.days == 5 && rule.dayType == .calendar)
        let waiting = try status(rule, [event("submitted", 1)], on: 5)
        #expect(waiting.dueDate?.description == "2026-07-06")
        #expect(waiting.state == .dueSoon)
        #expect(try status(rule, [event("submitted", 1)], on: 7).state == .overdue)
        #expect(try status(rule, [event("submitted", 1), event("materials_requested", 6)], on: 20).state == .met)
        #expect(try status(rule, [event("submitted", 1), event("accepted", 8)], on: 20).state == .metLate)
        // Received on Friday 3 July: the fifth day, Wednesday 8 July.
        #expect(try status(rule, [event("submitted", 3)], on: 3).dueDate?.description == "2026-07-08")
    }

    @Test("行政许可法第四十二条: decide within 20 days of acceptance, extendable once by 10 days")
    func art42TwentyPlusTen() throws {
        let rule = Workflow.decisionDeadline
        #expect(rule.article == "《中华人民共和国行政许可法》第四十二条")
        #expect(rule.extensions == ExtensionPolicy(maxTimes: 1, maxDays: 10, article: "《中华人民共和国行政许可法》第四十二条"))
        let accepted = [event("submitted", 1), event("accepted", 1)]
        #expect(try status(rule, accepted, on: 2).dueDate?.description == "2026-07-21")
        #expect(try status(rule, accepted, on: 22).state == .overdue)
        let extended = accepted + [event("deadline_extended", 15, ["rule_id": rule.id, "days": "10"])]
        let status = try status(rule, extended, on: 22)
        #expect(status.dueDate?.description == "2026-07-31")
        #expect(status.extensions == 1 && status.days == 30)
        #expect(status.state == .running)
    }

    @Test("行政许可法第四十二条、第四十三条: for two-level items the deciding agency's 20 days run from the lower bureau's report")
    func art43LowerReviewThenDecision() throws {
        let lower = Workflow.lowerReviewDeadline
        #expect(lower.article == "《中华人民共和国行政许可法》第四十三条" && lower.days == 20)
        let reviewing = [event("submitted", 1), event("accepted_for_lower_review", 1)]
        #expect(try status(lower, reviewing, on: 2).dueDate?.description == "2026-07-21")
        #expect(Workflow.decisionDeadline.evaluate(timeline: reviewing, now: july(2), calendar: .builtIn) == nil)
        let reported = reviewing + [event("submitted_to_upper", 10)]
        #expect(try status(lower, reported, on: 10).state == .met)
        #expect(try status(Workflow.decisionDeadline, reported, on: 10).dueDate?.description == "2026-07-30")
    }

    @Test("律师法第十八条: the province decides on a law firm within 10 days of receiving the city bureau's file, not 行政许可法第四十二条's 20")
    func lawFirmProvinceDecidesWithinTenDays() throws {
        let reviewing = [event("submitted", 1), event("accepted_for_lower_review", 1)]
        let change = try decide(.submitToUpper(opinion: "符合条件，建议准予", recommendApproval: true), matter(Workflow.Status.lowerReview, events: reviewing), on: 10)
        #expect(change.newStatus == Workflow.Status.underReview)
        #expect(change.events.map(\.kind) == ["law_firm_submitted_to_province"])
        let reported = reviewing + [event("law_firm_submitted_to_province", 10)]
        #expect(try status(Workflow.lowerReviewDeadline, reported, on: 10).state == .met)
        #expect(Workflow.decisionDeadline.evaluate(timeline: reported, now: july(10), calendar: .builtIn) == nil)
        let rule = Workflow.lawFirmDecisionDeadline
        #expect(rule.article == "《中华人民共和国律师法》第十八条" && rule.days == 10 && rule.dayType == .calendar && rule.extensions == nil)
        #expect(try status(rule, reported, on: 11).dueDate?.description == "2026-07-20")
        #expect(try status(rule, reported, on: 21).state == .overdue)
        // Other two-level items keep 行政许可法第四十二条's 20 days from the report.
        let grassroots = try decide(
            .submitToUpper(opinion: "符合条件", recommendApproval: true),
            matter(Workflow.Status.lowerReview, item: .grassrootsLegalWorkerPractice, region: "640104", events: reviewing), by: "640104", on: 10)
        #expect(grassroots.events.map(\.kind) == ["submitted_to_upper"])
    }

    @Test("行政许可法第四十五条: hearing, testing, appraisal and expert review time is not counted")
    func art45ExcludedTime() throws {
        for rule in [Workflow.decisionDeadline, Workflow.lowerReviewDeadline] {
            #expect(Set(rule.pauseReasons.map(\.id)) == ["hearing", "testing", "expert_review", "appraisal"])
        }
        let timeline = [
            event("submitted", 1), event("accepted", 1),
            event("clock_paused", 3, ["reason": "hearing"]), event("clock_resumed", 10, ["reason": "hearing"]),
        ]
        let paused = try status(Workflow.decisionDeadline, Array(timeline.prefix(3)), on: 5)
        #expect(paused.state == .paused)
        let resumed = try status(Workflow.decisionDeadline, timeline, on: 10)
        #expect(resumed.pausedDays == 7)
        #expect(resumed.dueDate?.description == "2026-07-28")
    }

    @Test("行政许可法第四十四条: the certificate is issued within 10 days of the approval")
    func art44TenDays() throws {
        let rule = Workflow.issuanceDeadline
        #expect(rule.article == "《中华人民共和国行政许可法》第四十四条" && rule.days == 10)
        let approved = [event("submitted", 1), event("accepted", 1), event("approved", 8)]
        #expect(try status(rule, approved, on: 9).dueDate?.description == "2026-07-20")
        #expect(try status(rule, approved + [event("licence_issued", 20)], on: 21).state == .met)
    }

    @Test("行政许可法第四十七条: a requested hearing is organised within 20 days")
    func art47HearingWithinTwentyDays() throws {
        let rule = Workflow.hearingDeadline
        #expect(rule.article == "《中华人民共和国行政许可法》第四十七条" && rule.days == 20)
        let requested = [event("submitted", 1), event("accepted", 1), event("hearing_rights_notified", 2), event("hearing_requested", 3)]
        #expect(try status(rule, requested, on: 4).dueDate?.description == "2026-07-23")
        #expect(try status(rule, requested + [event("hearing_held", 20)], on: 21).state == .met)
    }

    @Test("行政许可法第四十二条: a decision period running past the calendar is provisional, not guessed")
    func pastTheCalendar() throws {
        let start = CivilDate(year: 2026, month: 12, day: 20).endInstant.addingTimeInterval(-12 * 3600)
        let timeline = [
            MatterEvent(sequence: 1, kind: "submitted", at: start, actor: "a", channel: .web),
            MatterEvent(sequence: 2, kind: "accepted", at: start, actor: "s", channel: .web),
        ]
        let status = try #require(Workflow.decisionDeadline.evaluate(timeline: timeline, now: start, calendar: .builtIn))
        #expect(status.dueDate?.description == "2027-01-09")
        #expect(status.provisional)
    }
}
