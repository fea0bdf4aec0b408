@testable import FawangCore
import Foundation
import Testing

/// Day counting per 民法典 第二百零一条: the start day is not counted; the period ends with its
/// last day (Asia/Shanghai).
@Suite struct DeadlineRuleTests {
    let rule = DeadlineRule(
        id: "test.decision", label: "作出决定", article: "测试法第一条", days: 7,
        startsOn: ["submitted"], pausesOn: ["paused"], resumesOn: ["resumed"], metBy: ["decided"])

    /// 2026-12-01 at `hour` o'clock Beijing time, plus `days`.
    func beijing(_ day: Int, hour: Int = 10) -> Date {
        CivilDate(year: 2026, month: 12, day: day).endInstant.addingTimeInterval(TimeInterval(-86_400 + hour * 3600))
    }

    func event(_ kind: String, _ at: Date, _ sequence: Int) -> MatterEvent {
        MatterEvent(sequence: sequence, kind: kind, at: at, actor: "t", channel: .web)
    }

    @Test func notStartedIsNil() {
        #expect(rule.evaluate(timeline: [event("other", beijing(1), 1)], now: beijing(2)) == nil)
    }

    @Test func sevenDaysCountFromTheNextDay() throws {
        let status = try #require(rule.evaluate(timeline: [event("submitted", beijing(1), 1)], now: beijing(3)))
        #expect(status.dueDate == CivilDate(year: 2026, month: 12, day: 8))
        #expect(status.state == .running)
        #expect(status.summary.contains("2026-12-08"))
        #expect(status.summary.contains("测试法第一条"))
    }

    @Test func lateEveningBeijingIsStillThatDay() throws {
        // 23:30 Beijing is 15:30 UTC the same day; 00:30 Beijing is the previous day in UTC.
        let late = try #require(rule.evaluate(timeline: [event("submitted", beijing(1, hour: 23), 1)], now: beijing(1)))
        #expect(late.dueDate == CivilDate(year: 2026, month: 12, day: 8))
        let early = try #require(rule.evaluate(timeline: [event("submitted", beijing(1, hour: 0), 1)], now: beijing(1)))
        #expect(early.dueDate == CivilDate(year: 2026, month: 12, day: 8))
    }

    @Test func lastDayIsRunningAndTheDayAfterIsOverdue() throws {
        let timeline = [event("submitted", beijing(1), 1)]
        #expect(rule.evaluate(timeline: timeline, now: beijing(8, hour: 23))?.state == .running)
        #expect(rule.evaluate(timeline: timeline, now: beijing(9, hour: 0))?.state == .overdue)
    }

    @Test func pauseExtendsByTheDaysWaited() throws {
        let timeline = [event("submitted", beijing(1), 1), event("paused", beijing(2), 2), event("resumed", beijing(6), 3)]
        let status = try #require(rule.evaluate(timeline: timeline, now: beijing(6)))
        #expect(status.pausedDays == 4)
        #expect(status.dueDate == CivilDate(year: 2026, month: 12, day: 12))
        #expect(status.state == .running)
    }

    @Test func whilePausedThereIsNoDueDate() throws {
        let timeline = [event("submitted", beijing(1), 1), event("paused", beijing(2), 2)]
        let status = try #require(rule.evaluate(timeline: timeline, now: beijing(20)))
        #expect(status.state == .paused)
        #expect(status.dueDate == nil)
        #expect(status.pausedDays == 18)
    }

    @Test func metOnTimeAndMetLate() throws {
        let onTime = [event("submitted", beijing(1), 1), event("decided", beijing(8, hour: 22), 2)]
        #expect(rule.evaluate(timeline: onTime, now: beijing(20))?.state == .met)
        let late = [event("submitted", beijing(1), 1), event("decided", beijing(9), 2)]
        let status = try #require(rule.evaluate(timeline: late, now: beijing(20)))
        #expect(status.state == .metLate)
        #expect(status.metAt == beijing(9))
    }

    @Test func civilDateRoundTrips() {
        for day in stride(from: -1000, to: 30000, by: 37) {
            let date = CivilDate(dayNumber: day)
            #expect(CivilDate(iso: date.description) == date)
        }
        #expect(CivilDate(year: 2024, month: 2, day: 29).adding(days: 1).description == "2024-03-01")
    }
}

@Suite struct MatterWorkflowTests {
    let workflow = MatterWorkflow(
        initialStatus: "new",
        statuses: ["new": "新建", "done": "完成", "dropped": "放弃"],
        transitions: [
            .init(command: "finish", from: ["new"], to: "done", event: "finished"),
            .init(command: "drop", from: ["new"], to: "dropped", event: "dropped"),
            .init(command: "comment", from: ["done"], to: nil, event: "commented"),
        ],
        eventLabels: ["finished": "完成", "dropped": "放弃", "commented": "评论"])

    @Test func allowedTransitionReturnsActions() throws {
        #expect(try workflow.decide("finish", from: "new") == [.changeStatus(from: "new", to: "done"), .appendEvent(kind: "finished")])
        #expect(try workflow.decide("comment", from: "done") == [.appendEvent(kind: "commented")])
    }

    @Test func disallowedTransitionIsAFailedPreconditionNamingTheStatus() {
        #expect {
            try workflow.decide("finish", from: "done")
        } throws: { error in
            let error = error as! FawangError
            return error.code == .failedPrecondition && error.message.contains("完成") && error.message.contains("当前可办理：评论")
        }
        #expect(throws: FawangError.self) { try workflow.decide("comment", from: "dropped") }
    }

    @Test func terminalStatuses() {
        #expect(workflow.terminalStatuses == ["done", "dropped"])
        #expect(workflow.allowedCommands(in: "new") == ["drop", "finish"])
    }
}
