import FawangCore
import FawangPluginKit
import FawangTestSupport
import Foundation
@testable import MediationPlugin
import Testing

/// The mediation state machine and its one deadline on their own (人民调解法), no server.
@Suite struct MediationWorkflowTests {
    static let committee = CommitteeRef(id: "mc-640104", name: "兴庆区联合人民调解委员会", regionCode: "640104")

    func matter(status: String, events: [String] = ["submitted"], details: MediationDetails? = nil, region: String = "640104", submittedAt: Date = beijingNoon(2026, 6, 1)) -> Matter {
        let base = details ?? MediationDetails(initiation: .application, category: .neighbourhood, summary: "漏水", committee: Self.committee)
        return Matter(
            id: "m", trackingNumber: .random(), businessLine: "mediation", matterType: MediationWorkflow.matterType,
            status: status, applicant: Person(name: "马小花", idNumber: "", phone: "13951001234"),
            parties: [Party(role: "respondent", person: Person(name: "李大山", idNumber: "", phone: ""))],
            regionCode: region, channel: .web, operatorID: "", submittedAt: submittedAt, updatedAt: submittedAt,
            details: base.encoded(),
            timeline: events.enumerated().map { MatterEvent(sequence: $0.offset + 1, kind: $0.element, at: Date(), actor: "x", channel: .web) })
    }

    func decide(_ command: MediationWorkflow.Command, _ matter: Matter, actor: String = "staff-1") throws -> MatterChange {
        try LineSteps<MediationWorkflow>.decide(command, on: matter, StepContext(actor: actor, channel: .walkIn, now: Date()))
    }

    func details(_ change: MatterChange) throws -> MediationDetails {
        try JSONDecoder().decode(MediationDetails.self, from: change.details!)
    }

    @Test func committeeThenMediatorsStartTheMediation() throws {
        let assigned = try decide(.assignCommittee(Self.committee), matter(status: "submitted", details: MediationDetails(initiation: .application, category: .other, summary: "s")))
        #expect(assigned.newStatus == "committee_assigned")
        #expect(assigned.events.first?.attributes["committee_id"] == "mc-640104")
        let mediators = [MediatorRef(id: "mc-640104-m1", name: "马调解员", committeeID: "mc-640104")]
        let started = try decide(.assignMediators(mediators, chosenBy: .partiesChose, invited: []), matter(status: "committee_assigned"))
        #expect(started.newStatus == "mediating")
        #expect(try details(started).mediatorsChosenBy == .partiesChose)
    }

    @Test("人民调解委员会须在纠纷所在的市")
    func committeeOfTheMattersCity() {
        let other = CommitteeRef(id: "mc-640202", name: "大武口区联合人民调解委员会", regionCode: "640202")
        expectError(.failedPrecondition, containing: ["不在本纠纷所在的市"]) { _ = try decide(.assignCommittee(other), matter(status: "submitted")) }
        // Another district of the same city is fine.
        let xixia = CommitteeRef(id: "mc-640105", name: "西夏区联合人民调解委员会", regionCode: "640105")
        #expect((try? decide(.assignCommittee(xixia), matter(status: "submitted")))?.newStatus == "committee_assigned")
    }

    @Test("人民调解法第十三条：调解员须是所选调解委员会的人民调解员")
    func art13MediatorsOfTheCommittee() {
        let outsider = MediatorRef(id: "mc-640105-m1", name: "王调解员", committeeID: "mc-640105")
        expectError(.failedPrecondition, containing: ["不是兴庆区联合人民调解委员会的人民调解员（第十三条）"]) {
            _ = try decide(.assignMediators([outsider], chosenBy: .committeeDesignated, invited: []), matter(status: "committee_assigned"))
        }
        // Mediators come after the committee.
        expectError(.failedPrecondition, containing: ["第十三条"]) {
            _ = try decide(.assignMediators([outsider], chosenBy: .committeeDesignated, invited: []), matter(status: "submitted"))
        }
        let noCommittee = MediationDetails(initiation: .application, category: .neighbourhood, summary: "漏水")
        expectError(.failedPrecondition, containing: ["请先选定人民调解委员会"]) {
            _ = try decide(.assignMediators([outsider], chosenBy: .committeeDesignated, invited: []), matter(status: "submitted", details: noCommittee))
        }
    }

    @Test("人民调解法第三条、第十七条、第二十三条：任何一方当事人可随时拒绝或要求终止调解")
    func art3And23AnyPartyMayDecline() throws {
        for status in ["submitted", "committee_assigned", "mediating"] {
            let change = try decide(.decline(party: "李大山", reason: "不同意调解"), matter(status: status))
            #expect(change.newStatus == "declined")
            #expect(change.events.first?.attributes["declining_party"] == "李大山")
            #expect(try details(change).declinedBy == "李大山")
        }
        // Not someone who is not a party; not after the agreement.
        expectError(.invalidArgument, field: "declining_party", containing: ["张三不是本纠纷的当事人"]) {
            _ = try decide(.decline(party: "张三", reason: ""), matter(status: "mediating"))
        }
        expectError(.failedPrecondition, containing: ["已达成调解协议"]) { _ = try decide(.decline(party: "李大山", reason: ""), matter(status: "agreement_reached")) }
        // The applicant acting alone withdraws only their own consent.
        expectError(.invalidArgument, field: "declining_party", containing: ["只能为自己撤回调解申请"]) {
            _ = try decide(.decline(party: "李大山", reason: ""), matter(status: "mediating"), actor: "applicant")
        }
        #expect(try decide(.decline(party: "马小花", reason: "已私下和解"), matter(status: "mediating"), actor: "applicant").newStatus == "declined")
    }

    @Test("人民调解法第二十八条至第三十条：调解协议在调解中达成")
    func agreementOnlyWhileMediating() throws {
        let agreement = Agreement(form: .oral, factsAndIssues: "", terms: "赔偿800元", performance: "三日内")
        let change = try decide(.recordAgreement(agreement), matter(status: "mediating"))
        #expect(change.newStatus == "agreement_reached")
        #expect(change.events.map(\.kind) == ["agreement_reached"])
        #expect(try details(change).agreement == agreement)
        expectError(.failedPrecondition, containing: ["已选定人民调解委员会，待确定调解员"]) {
            _ = try decide(.recordAgreement(agreement), matter(status: "committee_assigned"))
        }
    }

    @Test("人民调解法第二十六条：调解不成的终止调解")
    func art26FailureEndsTheMediation() throws {
        let change = try decide(.recordFailure(reasons: "分歧过大", routes: "可向人民法院起诉"), matter(status: "mediating"))
        #expect(change.newStatus == "failed")
        #expect(change.events.first?.attributes["other_routes_told"] == "true")
        #expect(MediationWorkflow.machine.terminalStatuses.contains("failed"))
        #expect(MediationWorkflow.machine.terminalStatuses.contains("declined"))
    }

    @Test func sessionsKeepTheStatus() throws {
        let session = Session(date: "2026-06-10", place: "社区调解室", held: true, notes: "双方到场", isPublic: false)
        let change = try decide(.recordSession(session), matter(status: "mediating"))
        #expect(change.newStatus == nil)
        #expect(change.events.map(\.kind) == ["session_held"])
        #expect(try details(change).sessions == [session])
        var scheduled = session
        scheduled.held = false
        #expect(try decide(.recordSession(scheduled), matter(status: "mediating")).events.map(\.kind) == ["session_scheduled"])
    }

    @Test("人民调解法第二十三条：调解记录不得早于纠纷登记之日，同一次调解不重复登记")
    func sessionsAreRecordedOnceAndNotBeforeRegistration() throws {
        let registeredOn = beijingNoon(2026, 6, 1)
        let early = Session(date: "2026-05-31", place: "社区调解室", held: true, notes: "双方到场", isPublic: false)
        #expect { try decide(.recordSession(early), matter(status: "mediating", submittedAt: registeredOn)) } throws: {
            ($0 as? FawangError)?.violations.map(\.field) == ["session_date"]
        }
        // The registration day itself is fine.
        var sameDay = early
        sameDay.date = "2026-06-01"
        let first = try decide(.recordSession(sameDay), matter(status: "mediating", submittedAt: registeredOn))
        // Recording the same held session again is refused; holding the scheduled one is not a repeat.
        let recorded = MediationDetails(
            initiation: .application, category: .neighbourhood, summary: "漏水", committee: Self.committee, sessions: try details(first).sessions)
        expectError(.failedPrecondition, containing: ["请勿重复登记"]) {
            _ = try decide(.recordSession(sameDay), matter(status: "mediating", details: recorded, submittedAt: registeredOn))
        }
        var another = sameDay
        another.date = "2026-06-02"
        #expect(try decide(.recordSession(another), matter(status: "mediating", details: recorded, submittedAt: registeredOn)).events.map(\.kind) == ["session_held"])
    }

    // MARK: The Art. 33 reminder

    func timeline(_ events: [(String, Date)]) -> [MatterEvent] {
        events.enumerated().map { MatterEvent(sequence: $0.offset + 1, kind: $0.element.0, at: $0.element.1, actor: "x", channel: .web) }
    }

    func day(_ y: Int, _ m: Int, _ d: Int) -> Date { CivilDate(year: y, month: m, day: d).endInstant.addingTimeInterval(-12 * 3600) }

    @Test("人民调解法第三十三条：自调解协议生效之日起三十日内共同申请司法确认")
    func art33ThirtyDaysFromTheAgreement() throws {
        let rule = MediationWorkflow.judicialConfirmationWindow
        #expect(rule.days == 30)
        #expect(rule.dayType == .calendar)
        #expect(rule.article == "《中华人民共和国人民调解法》第三十三条")
        #expect(rule.extensions == nil)
        let events = timeline([("submitted", day(2026, 5, 20)), ("agreement_reached", day(2026, 6, 1))])
        let running = try #require(rule.evaluate(timeline: events, now: day(2026, 6, 2), calendar: .builtIn))
        #expect(running.dueDate == CivilDate(year: 2026, month: 7, day: 1))
        #expect(running.state == .running)
        #expect(rule.evaluate(timeline: events, now: day(2026, 6, 26), calendar: .builtIn)?.state == .dueSoon)
        #expect(rule.evaluate(timeline: events, now: day(2026, 7, 2), calendar: .builtIn)?.state == .overdue)
        let met = timeline([("agreement_reached", day(2026, 6, 1)), ("judicial_confirmation_applied", day(2026, 6, 20))])
        #expect(rule.evaluate(timeline: met, now: day(2026, 7, 2), calendar: .builtIn)?.state == .met)
        let waived = timeline([("agreement_reached", day(2026, 6, 1)), ("judicial_confirmation_not_needed", day(2026, 6, 3))])
        #expect(rule.evaluate(timeline: waived, now: day(2026, 7, 2), calendar: .builtIn)?.state == .met)
    }

    @Test("人民调解法第三十三条、民法典第二百零三条：期间末日为国庆假期的顺延至假期结束次日")
    func art33LastDayOnAHolidayRollsOver() throws {
        let events = timeline([("agreement_reached", day(2026, 9, 1))])
        let status = try #require(MediationWorkflow.judicialConfirmationWindow.evaluate(timeline: events, now: day(2026, 9, 2), calendar: .builtIn))
        #expect(status.dueDate == CivilDate(year: 2026, month: 10, day: 8))
    }

    @Test("人民调解法未规定调解期限：达成协议前没有任何期限")
    func noTimeLimitForTheMediationItself() {
        let spec = MediationPlugin().manifest.matterType(MediationWorkflow.matterType)!
        #expect(spec.deadlines.map(\.id) == ["mediation.judicial-confirmation"])
        let events = timeline([("submitted", day(2026, 1, 5)), ("committee_assigned", day(2026, 1, 6)), ("mediators_assigned", day(2026, 1, 7)), ("session_held", day(2026, 2, 1))])
        #expect(spec.deadlineStatuses(timeline: events, now: day(2026, 12, 1), calendar: .builtIn).isEmpty)
    }

    @Test func anotherLinesMatterIsNotFound() {
        var other = matter(status: "submitted")
        other.businessLine = "legal-aid"
        expectError(.notFound, containing: ["不是人民调解事项"]) { _ = try decide(.assignCommittee(Self.committee), other) }
    }

    @Test func transferredMattersArriveAsDisputes() throws {
        let source = matter(status: "submitted")
        let data = MediationWorkflow.intake(TransferIntake(matter: source, fromLine: "legal-aid", fromLineName: "法律援助", reason: "实为邻里纠纷，宜调解"))
        let details = try JSONDecoder().decode(MediationDetails.self, from: data)
        #expect(details.initiation == .transferred)
        #expect(details.transferredFrom == "法律援助")
        #expect(details.summary.contains("实为邻里纠纷"))
        #expect(details.committee == nil)
    }
}

/// Noon in Beijing on a day, for a matter's registration time.
func beijingNoon(_ y: Int, _ m: Int, _ d: Int) -> Date { CivilDate(year: y, month: m, day: d).endInstant.addingTimeInterval(-12 * 3600) }
