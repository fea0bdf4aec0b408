import FawangCore
import Foundation
import Testing

/// What a matter counts for in the statistics, from its timeline and its line's milestones.
@Suite struct MatterFactsTests {
    /// submitted → accepted → decided (or refused, or withdrawn); a decision may be reviewed and
    /// decided again.
    static let workflow = MatterWorkflow(
        initialStatus: "submitted",
        statuses: ["submitted": "已提交", "accepted": "已受理", "decided": "已决定", "refused": "不予受理", "withdrawn": "已撤回", "review": "复查中"],
        transitions: [
            .init(command: "accept", from: ["submitted"], to: "accepted", event: "accepted"),
            .init(command: "refuse", from: ["submitted"], to: "refused", event: "refused"),
            .init(command: "withdraw", from: ["submitted", "accepted"], to: "withdrawn", event: "withdrawn"),
            .init(command: "decide", from: ["accepted", "review"], to: "decided", event: "decided"),
            .init(command: "ask_review", from: ["decided"], to: "review", event: "review_requested"),
        ],
        eventLabels: ["accepted": "受理", "refused": "不予受理", "withdrawn": "撤回", "decided": "决定", "review_requested": "申请复查"],
        milestones: ["accepted": .accepted, "refused": .refused, "withdrawn": .stopped, "decided": .concluded])

    /// 2026-09-28 (Monday) 10:00 Beijing plus `days`.
    static func at(_ days: Int) -> Date { beijingNoon.addingTimeInterval(Double(days) * 86_400) }
    static let beijingNoon = CivilDate(year: 2026, month: 9, day: 28).endInstant.addingTimeInterval(-86_400 + 10 * 3600)

    static func matter(_ status: String, _ events: [(String, Int, [String: String])]) -> Matter {
        Matter(
            id: "m", trackingNumber: TrackingNumber.random(), businessLine: "x", matterType: "x.y", status: status,
            applicant: Person(name: "马某", idNumber: "", phone: "", address: ""), parties: [], regionCode: "640104", channel: .web, operatorID: "",
            submittedAt: at(0), updatedAt: at(events.last?.1 ?? 0), details: Data("{}".utf8),
            timeline: ([("submitted", 0, [:])] + events).enumerated().map { index, event in
                MatterEvent(sequence: index + 1, kind: event.0, at: at(event.1), actor: "t", channel: .web, attributes: event.2)
            })
    }

    static func facts(_ matter: Matter, workflow: MatterWorkflow? = workflow) -> MatterFacts {
        MatterFacts.of(matter, workflow: workflow, deadlines: [], calendar: .builtIn)
    }

    @Test("受理日、办结日、办理工作日：国庆假期不计，调休上班日计入")
    func acceptedConcludedAndWorkingDaysAcrossTheNationalDayHoliday() {
        // Submitted Mon 28 Sep, accepted 29 Sep, decided Mon 12 Oct. The State Council's 2026
        // notice: 1–7 Oct off, Sat 10 Oct a make-up working day. Working days after the 28th:
        // 29, 30 Sep, 8, 9, 10, 12 Oct = 6.
        let facts = Self.facts(Self.matter("decided", [("accepted", 1, [:]), ("decided", 14, [:])]))
        #expect(facts.acceptedDay == CivilDate(year: 2026, month: 9, day: 29))
        #expect(facts.outcome == .concluded && facts.endedDay == CivilDate(year: 2026, month: 10, day: 12))
        #expect(facts.handlingDays == 6)
    }

    @Test func refusedAndStoppedEndWithoutAcceptance() {
        let refused = Self.facts(Self.matter("refused", [("refused", 3, [:])]))
        #expect(refused.outcome == .refused && refused.acceptedDay == nil && refused.handlingDays != nil)
        let withdrawn = Self.facts(Self.matter("withdrawn", [("accepted", 1, [:]), ("withdrawn", 2, [:])]))
        #expect(withdrawn.outcome == .stopped && withdrawn.acceptedDay != nil)
    }

    @Test("复查重新打开：办结作废，再次决定后以最后一次为准")
    func aReviewReopensAndTheLastEndingCounts() {
        let reopened = Self.facts(Self.matter("review", [("accepted", 1, [:]), ("decided", 5, [:]), ("review_requested", 6, [:])]))
        #expect(reopened.outcome == nil && reopened.endedDay == nil && reopened.handlingDays == nil)
        let decidedAgain = Self.facts(Self.matter("decided", [("accepted", 1, [:]), ("decided", 5, [:]), ("review_requested", 6, [:]), ("decided", 20, [:])]))
        #expect(decidedAgain.outcome == .concluded && decidedAgain.endedDay == CivilDate(Self.at(20)))
    }

    @Test func aLineWithoutAcceptanceAcceptsOnSubmissionAndRatingsCount() {
        let noAcceptance = MatterWorkflow(
            initialStatus: "open", statuses: ["open": "待答复", "closed": "已办结"],
            transitions: [.init(command: "close", from: ["open"], to: "closed", event: "closed")], eventLabels: ["closed": "办结"])
        #expect(noAcceptance.milestones == ["closed": .concluded], "an ending event is concluded by default")
        let facts = Self.facts(
            Self.matter("closed", [("closed", 2, [:]), (MatterRating.event, 3, [MatterRating.scoreAttribute: "4"])]), workflow: noAcceptance)
        #expect(facts.acceptedDay == facts.submittedDay && facts.outcome == .concluded)
        #expect(facts.rating == 4 && facts.ratedDay == CivilDate(Self.at(3)))
    }

    @Test func figuresAverageAndNinetiethPercentile() {
        var figures = StatisticsFigures()
        (figures.concluded, figures.refused, figures.handlingSum) = (9, 1, 37)
        #expect(figures.ended == 10 && figures.averageHandlingDays == 3.7 && figures.p90HandlingDays == nil, "no histogram, no percentile")
        figures.handlingDays = [1: 5, 3: 4, 20: 1]
        #expect(figures.p90HandlingDays == 3)
        figures.handlingDays[20] = 2
        #expect(figures.p90HandlingDays == 20, "rank ⌈0.9 × 11⌉ = 10 falls on the slowest")
        #expect(StatisticsQuery.period(of: CivilDate(year: 2026, month: 12, day: 6), .week) == "2026-11-30", "a Sunday's week starts on Monday")
        #expect(StatisticsQuery.period(of: CivilDate(year: 2026, month: 11, day: 30), .quarter) == "2026-Q4")
    }
}
