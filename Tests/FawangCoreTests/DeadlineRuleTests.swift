@testable import FawangCore
import FawangTestSupport
import Foundation
import Testing

/// Day counting per 民法典 第二百零一条: the start day is not counted; the period ends with its
/// last day (Asia/Shanghai).
@Suite struct DeadlineRuleTests {
    let rule = DeadlineRule(
        id: "test.decision", label: "作出决定", article: "测试法第一条", days: 7,
        startsOn: ["submitted"], pausesOn: ["paused"], resumesOn: ["resumed"], metBy: ["decided"], warningDays: 1)
    let calendar = WorkingDayCalendar.builtIn

    /// 2026-12-`day` at `hour` o'clock Beijing time.
    func beijing(_ day: Int, hour: Int = 10) -> Date { at(2026, 12, day, hour: hour) }

    func at(_ year: Int, _ month: Int, _ day: Int, hour: Int = 10) -> Date {
        CivilDate(year: year, month: month, day: day).endInstant.addingTimeInterval(TimeInterval(-86_400 + hour * 3600))
    }

    func event(_ kind: String, _ at: Date, _ sequence: Int, _ attributes: [String: String] = [:]) -> MatterEvent {
        MatterEvent(sequence: sequence, kind: kind, at: at, actor: "t", channel: .web, attributes: attributes)
    }

    func date(_ text: String) -> CivilDate { CivilDate(strictISO: text)! }

    @Test("回访：每次要求回访都重新起算，以最近一次为准（信访每份意见后回访）")
    func aCallbackIsOwedAfreshEachTimeItIsAskedFor() throws {
        let callback = PlatformDeadlines.callback
        let first = [event("callback_required", beijing(1), 1), event("callback_done", beijing(2), 2)]
        #expect(callback.evaluate(timeline: first, now: beijing(3), calendar: calendar)?.state == .met)
        // A later opinion asks again: the earlier callback does not meet it, and it runs late.
        let again = first + [event("callback_required", beijing(14), 3)]
        let running = try #require(callback.evaluate(timeline: again, now: beijing(14, hour: 12), calendar: calendar))
        #expect(running.state == .running && running.dueDate == date("2026-12-16"))
        #expect(callback.evaluate(timeline: again, now: beijing(18), calendar: calendar)?.state == .overdue)
        #expect(callback.evaluate(timeline: again + [event("callback_done", beijing(15), 4)], now: beijing(18), calendar: calendar)?.state == .met)
    }

    @Test func notStartedIsNil() {
        #expect(rule.evaluate(timeline: [event("other", beijing(1), 1)], now: beijing(2), calendar: calendar) == nil)
    }

    @Test("民法典第二百零一条：开始的当日不计入，自下一日开始计算") func sevenDaysCountFromTheNextDay() throws {
        let status = try #require(rule.evaluate(timeline: [event("submitted", beijing(1), 1)], now: beijing(3), calendar: calendar))
        #expect(status.dueDate == date("2026-12-08"))
        #expect(status.state == .running)
        #expect(status.summary.contains("2026-12-08"))
        #expect(status.summary.contains("测试法第一条"))
        #expect(status.summary.contains("7日"))
    }

    @Test func lateEveningBeijingIsStillThatDay() throws {
        // 23:30 Beijing is 15:30 UTC the same day; 00:30 Beijing is the previous day in UTC.
        let late = try #require(rule.evaluate(timeline: [event("submitted", beijing(1, hour: 23), 1)], now: beijing(1), calendar: calendar))
        #expect(late.dueDate == date("2026-12-08"))
        let early = try #require(rule.evaluate(timeline: [event("submitted", beijing(1, hour: 0), 1)], now: beijing(1), calendar: calendar))
        #expect(early.dueDate == date("2026-12-08"))
    }

    @Test("民法典第二百零三条：期间最后一日截止时间为二十四时；预警期内提示，次日逾期") func warningLastDayAndOverdue() throws {
        let timeline = [event("submitted", beijing(1), 1)]
        #expect(rule.evaluate(timeline: timeline, now: beijing(6, hour: 23), calendar: calendar)?.state == .running)
        #expect(rule.evaluate(timeline: timeline, now: beijing(7), calendar: calendar)?.state == .dueSoon)
        #expect(rule.evaluate(timeline: timeline, now: beijing(8, hour: 23), calendar: calendar)?.state == .dueSoon)
        #expect(rule.evaluate(timeline: timeline, now: beijing(9, hour: 0), calendar: calendar)?.state == .overdue)
    }

    @Test("民法典第二百零三条：期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日") func lastDayOnARestDayRollsOver() throws {
        // Paused 12-02 to 12-06: days 2–5 are not counted, so the 7th counted day is Saturday 12-12,
        // and the period runs to Monday 12-14.
        let timeline = [event("submitted", beijing(1), 1), event("paused", beijing(2), 2), event("resumed", beijing(6), 3)]
        let status = try #require(rule.evaluate(timeline: timeline, now: beijing(6), calendar: calendar))
        #expect(status.pausedDays == 4)
        #expect(status.dueDate == date("2026-12-14"))
        // Over a public holiday: 8 days from 2026-09-23 end on 10-01, inside 国庆节 (10-01..10-07);
        // the first working day after is 10-08.
        let long = DeadlineRule(id: "t", label: "办结", article: "测试法", days: 8, startsOn: ["submitted"], metBy: [])
        #expect(long.evaluate(timeline: [event("submitted", at(2026, 9, 23), 1)], now: at(2026, 9, 23), calendar: calendar)?.dueDate == date("2026-10-08"))
    }

    @Test func whilePausedThereIsNoDueDate() throws {
        let timeline = [event("submitted", beijing(1), 1), event("paused", beijing(2), 2)]
        let status = try #require(rule.evaluate(timeline: timeline, now: beijing(20), calendar: calendar))
        #expect(status.state == .paused)
        #expect(status.dueDate == nil)
        #expect(status.pausedDays == 18)
    }

    @Test func metOnTimeAndMetLate() throws {
        let onTime = [event("submitted", beijing(1), 1), event("decided", beijing(8, hour: 22), 2)]
        #expect(rule.evaluate(timeline: onTime, now: beijing(20), calendar: calendar)?.state == .met)
        let late = [event("submitted", beijing(1), 1), event("decided", beijing(9), 2)]
        let status = try #require(rule.evaluate(timeline: late, now: beijing(20), calendar: calendar))
        #expect(status.state == .metLate)
        #expect(status.metAt == beijing(9))
    }

    // MARK: Working days

    let fifteenWorkingDays = DeadlineRule(
        id: "t.certificate", label: "出具公证书", article: "《中华人民共和国公证法》第三十条", days: 15, dayType: .working,
        startsOn: ["accepted"], pausesOn: ["supplement_requested"], resumesOn: ["supplement_received"], metBy: ["issued"],
        pauseReasons: [.forceMajeure, .verification])

    @Test("工作日：跳过中秋、国庆假期，计入10月10日调休上班日") func workingDaysSkipHolidaysAndCountMakeUpDays() throws {
        // Accepted Thursday 2026-09-24. Counted: 9/28, 9/29, 9/30, 10/8, 10/9, 10/10 (Saturday, a
        // make-up working day), 10/12–10/16, 10/19–10/22 → the 15th working day is 10-22.
        let status = try #require(fifteenWorkingDays.evaluate(timeline: [event("accepted", at(2026, 9, 24), 1)], now: at(2026, 9, 24), calendar: calendar))
        #expect(status.dueDate == date("2026-10-22"))
        #expect(status.summary.contains("15个工作日"))
        // Without the make-up day the period would end a day later.
        var noMakeUp = calendar
        noMakeUp = noMakeUp.merging(try WorkingDayCalendar.parse("""
            year 2026 test without make-up days
            holiday 2026-09-25..2026-09-27 中秋节
            holiday 2026-10-01..2026-10-07 国庆节
            """, origin: "test"))
        #expect(fifteenWorkingDays.evaluate(timeline: [event("accepted", at(2026, 9, 24), 1)], now: at(2026, 9, 24), calendar: noMakeUp)?.dueDate == date("2026-10-23"))
    }

    @Test("工作日：春节前后调休（2026-02-14、2026-02-28 上班）") func springFestivalMakeUpDays() throws {
        // Accepted Friday 2026-02-13: 2/14 (Saturday, make-up) is day 1; 2/15–2/23 rest; 2/24 day 2,
        // 2/25 3, 2/26 4, 2/27 5, 2/28 (Saturday, make-up) 6, 3/2 7 … 3/6 11, 3/9 12 … 3/11 14, 3/12 15.
        let status = try #require(fifteenWorkingDays.evaluate(timeline: [event("accepted", at(2026, 2, 13), 1)], now: at(2026, 2, 13), calendar: calendar))
        #expect(status.dueDate == date("2026-03-12"))
    }

    @Test("公证法第三十条：补充材料、核实的时间不计算在期限内（工作日）") func workingDayPausesExcludeTheirDays() throws {
        // Accepted Tuesday 2026-06-02; supplement requested Thursday 6-04 (days 6-04..6-10 stopped),
        // received Thursday 6-11. Counted: 6/3, 6/11, 6/12, 6/15–6/18, 6/22–6/26, 6/29, 6/30, 7/1 (6/19–21 端午).
        let timeline = [
            event("accepted", at(2026, 6, 2), 1), event("supplement_requested", at(2026, 6, 4), 2), event("supplement_received", at(2026, 6, 11), 3),
        ]
        let status = try #require(fifteenWorkingDays.evaluate(timeline: timeline, now: at(2026, 6, 11), calendar: calendar))
        #expect(status.pausedDays == 7)
        #expect(status.dueDate == date("2026-07-01"))
    }

    @Test("行政许可法第四十五条：听证等时间不计算在期限内——仅规则列明的事由中止计算") func genericPauseOnlyForListedReasons() throws {
        let timeline = [
            event("accepted", at(2026, 6, 2), 1),
            event(PlatformEvent.clockPaused, at(2026, 6, 3), 2, ["reason": "verification"]),
            event(PlatformEvent.clockResumed, at(2026, 6, 5), 3, ["reason": "verification"]),
        ]
        let paused = try #require(fifteenWorkingDays.evaluate(timeline: timeline, now: at(2026, 6, 5), calendar: calendar))
        #expect(paused.pausedDays == 2)
        // A reason the rule does not list (a hearing) does not stop it.
        var other = timeline
        other[1].attributes["reason"] = "hearing"
        other[2].attributes["reason"] = "hearing"
        let running = try #require(fifteenWorkingDays.evaluate(timeline: other, now: at(2026, 6, 5), calendar: calendar))
        #expect(running.pausedDays == 0)
        #expect(running.dueDate! < paused.dueDate!)
        let stillPaused = try #require(fifteenWorkingDays.evaluate(timeline: Array(timeline.prefix(2)), now: at(2026, 6, 9), calendar: calendar))
        #expect(stillPaused.state == .paused)
        #expect(stillPaused.pausedFor == "核实")
    }

    @Test("公证法第三十条：补充材料与核实的时间重叠时，自先中止之日至全部恢复之日均不计算") func overlappingStopsAreOneStop() throws {
        // Verification 6-03 → 6-10, materials requested 6-05 → supplied 6-12: stopped 6-03..6-11.
        let timeline = [
            event("accepted", at(2026, 6, 2), 1),
            event(PlatformEvent.clockPaused, at(2026, 6, 3), 2, ["reason": "verification"]),
            event("supplement_requested", at(2026, 6, 5), 3),
            event(PlatformEvent.clockResumed, at(2026, 6, 10), 4, ["reason": "verification"]),
        ]
        let stillWaiting = try #require(fifteenWorkingDays.evaluate(timeline: timeline, now: at(2026, 6, 11), calendar: calendar))
        #expect(stillWaiting.state == .paused && stillWaiting.pausedFor == "等待补充材料")
        let both = try #require(fifteenWorkingDays.evaluate(timeline: Array(timeline.prefix(3)), now: at(2026, 6, 6), calendar: calendar))
        #expect(both.pausedFor == "核实、等待补充材料")
        let resumed = try #require(fifteenWorkingDays.evaluate(
            timeline: timeline + [event("supplement_received", at(2026, 6, 12), 5)], now: at(2026, 6, 12), calendar: calendar))
        #expect(resumed.pausedDays == 9)
        // Counted from 6-12: 6/12, 6/15–18, 6/22–26 (6/19 端午), 6/29–30, 7/1–3 → the 15th is 7-03.
        #expect(resumed.dueDate == date("2026-07-03"))
    }

    @Test("行政许可法第四十二条：经批准延长的期限计入") func extensionsLengthenThePeriod() throws {
        let decision = DeadlineRule(
            id: "t.decision", label: "作出行政许可决定", article: "《中华人民共和国行政许可法》第四十二条", days: 20,
            startsOn: ["accepted"], metBy: ["approved"], extensions: ExtensionPolicy(maxTimes: 1, maxDays: 10, article: "《中华人民共和国行政许可法》第四十二条"))
        let base = [event("accepted", at(2026, 6, 1), 1)]
        #expect(decision.evaluate(timeline: base, now: at(2026, 6, 1), calendar: calendar)?.dueDate == date("2026-06-22"))  // 6-21 is a Sunday
        let extended = base + [event(PlatformEvent.deadlineExtended, at(2026, 6, 15), 2, ["rule_id": "t.decision", "days": "10"])]
        let status = try #require(decision.evaluate(timeline: extended, now: at(2026, 6, 15), calendar: calendar))
        #expect(status.dueDate == date("2026-07-01"))
        #expect(status.extensions == 1)
        #expect(status.summary.contains("30日"))
        // Another rule's extension does not count.
        let foreign = base + [event(PlatformEvent.deadlineExtended, at(2026, 6, 15), 2, ["rule_id": "other", "days": "10"])]
        #expect(decision.evaluate(timeline: foreign, now: at(2026, 6, 15), calendar: calendar)?.dueDate == date("2026-06-22"))
    }

    @Test func aWorkingDayPeriodPastTheCalendarIsRefusedNotGuessed() throws {
        let status = try #require(fifteenWorkingDays.evaluate(timeline: [event("accepted", at(2026, 12, 20), 1)], now: at(2026, 12, 21), calendar: calendar))
        #expect(status.state == .uncomputable)
        #expect(status.dueDate == nil)
        #expect(status.summary.contains("工作日历只到2026-12-31"))
        // Once an admin adds 2027, it is computed.
        let extended = calendar.merging(try WorkingDayCalendar.parse("year 2027 test\nholiday 2027-01-01 元旦", origin: "test"))
        #expect(fifteenWorkingDays.evaluate(timeline: [event("accepted", at(2026, 12, 20), 1)], now: at(2026, 12, 21), calendar: extended)?.dueDate == date("2027-01-11"))
        // A calendar-day period is computed, flagged provisional: a roll-over could not be checked.
        let provisional = try #require(rule.evaluate(timeline: [event("submitted", at(2026, 12, 28), 1)], now: at(2026, 12, 28), calendar: calendar))
        #expect(provisional.dueDate == date("2027-01-04"))
        #expect(provisional.provisional)
    }

    @Test("行政许可法第三十二条：逾期未告知的，自收到申请材料之日起即为受理——期限自该日起算") func aStartCanCountFromAnEarlierDay() throws {
        let decision = DeadlineRule(id: "t.decision", label: "作出决定", article: "测试", days: 20, startsOn: ["accepted"], metBy: ["decided"])
        let late = [event("accepted", at(2026, 7, 10), 1, [PlatformEvent.countsFrom: "2026-07-01"])]
        #expect(decision.evaluate(timeline: late, now: at(2026, 7, 10), calendar: calendar)?.dueDate == date("2026-07-21"))
        // A day after the event, or a malformed one, is ignored.
        let future = [event("accepted", at(2026, 7, 10), 1, [PlatformEvent.countsFrom: "2026-08-01"])]
        #expect(decision.evaluate(timeline: future, now: at(2026, 7, 10), calendar: calendar)?.dueDate == date("2026-07-30"))
        let malformed = [event("accepted", at(2026, 7, 10), 1, [PlatformEvent.countsFrom: "7/1"])]
        #expect(decision.evaluate(timeline: malformed, now: at(2026, 7, 10), calendar: calendar)?.dueDate == date("2026-07-30"))
    }

    @Test func afterATransferTheReceivingLinesClockStartsOnReceipt() throws {
        let intake = DeadlineRule(id: "t.accept", label: "告知是否受理", article: "测试", days: 15, startsOn: ["registered", PlatformEvent.transferred], metBy: ["accepted"])
        let timeline = [
            event("registered", at(2026, 6, 1), 1), event("accepted", at(2026, 6, 2), 2),
            event(PlatformEvent.transferred, at(2026, 6, 10), 3),
        ]
        let status = try #require(intake.evaluate(timeline: timeline, now: at(2026, 6, 10), calendar: calendar))
        #expect(status.state == .running)
        #expect(status.dueDate == date("2026-06-25"))
    }

    @Test("政府信息公开条例第三十条：答复期限自收到补正的申请之日起计算——整个期限重新起算，不是中止后接续") func aRestartCountsTheWholePeriodAgain() throws {
        let reply = DeadlineRule(
            id: "t.reply", label: "答复", article: "测试", days: 20, dayType: .working, startsOn: ["submitted"],
            pausesOn: ["correction_requested"], resumesOn: ["correction_supplied"], restartsOn: ["correction_supplied"], metBy: ["answered"],
            extensions: ExtensionPolicy(maxTimes: 1, maxDays: 20, article: "测试"))
        // Received Wednesday 2026-09-23; correction asked Tuesday 9-29; corrected Monday 10-12.
        let timeline = [
            event("submitted", at(2026, 9, 23), 1), event("correction_requested", at(2026, 9, 29), 2),
            event("correction_supplied", at(2026, 10, 12), 3),
        ]
        let waiting = try #require(reply.evaluate(timeline: Array(timeline.prefix(2)), now: at(2026, 10, 9), calendar: calendar))
        #expect(waiting.state == .paused)
        // From 10-12 (not counted): 10/13–16, 10/19–23, 10/26–30, 11/2–6, 11/9 → the 20th working day is 11-09.
        let restarted = try #require(reply.evaluate(timeline: timeline, now: at(2026, 10, 12), calendar: calendar))
        #expect(restarted.startDate == date("2026-10-12"))
        #expect(restarted.pausedDays == 0)
        #expect(restarted.dueDate == date("2026-11-09"))
        // A stop alone would keep the days counted before it (9/24, 9/28) and count 10-12 itself: 11-04.
        var stopOnly = reply
        stopOnly.restartsOn = []
        #expect(stopOnly.evaluate(timeline: timeline, now: at(2026, 10, 12), calendar: calendar)?.dueDate == date("2026-11-04"))
        // An extension granted before the restart belonged to the period it replaced.
        let extendedBefore = [timeline[0], event(PlatformEvent.deadlineExtended, at(2026, 9, 24), 2, ["rule_id": "t.reply", "days": "20"])]
            + timeline.dropFirst().map { event($0.kind, $0.at, $0.sequence + 1) }
        let fresh = try #require(reply.evaluate(timeline: extendedBefore, now: at(2026, 10, 12), calendar: calendar))
        #expect(fresh.dueDate == date("2026-11-09"))
        #expect(fresh.extensions == 0)
        // Once met, a later restart event changes nothing.
        let met = [event("submitted", at(2026, 9, 23), 1), event("answered", at(2026, 10, 9), 2), event("correction_supplied", at(2026, 10, 12), 3)]
        let answered = try #require(reply.evaluate(timeline: met, now: at(2026, 10, 12), calendar: calendar))
        #expect(answered.state == .met)
        #expect(answered.startDate == date("2026-09-23"))
        #expect(answered.dueDate == date("2026-10-28"))
    }

    @Test("期限中止期间办结的，中止的日期同样不计算：按期办结") func metWhileStoppedIsMetInTime() throws {
        // Stopped 12-02 (materials requested) and met 12-20 while still stopped: in time, though
        // 12-20 is past the 7 days an unstopped period would have ended on (12-08).
        let timeline = [event("submitted", beijing(1), 1), event("paused", beijing(2), 2), event("decided", beijing(20), 3)]
        let status = try #require(rule.evaluate(timeline: timeline, now: beijing(21), calendar: calendar))
        #expect(status.state == .met)
        #expect(status.pausedDays == 18)
        #expect(rule.evaluate(timeline: [event("submitted", beijing(1), 1), event("decided", beijing(20), 2)], now: beijing(21), calendar: calendar)?.state == .metLate)
    }

    @Test func civilDateRoundTrips() {
        for day in stride(from: -1000, to: 30000, by: 37) {
            let date = CivilDate(dayNumber: day)
            #expect(CivilDate(iso: date.description) == date)
        }
        #expect(CivilDate(year: 2024, month: 2, day: 29).adding(days: 1).description == "2024-03-01")
        #expect(CivilDate(strictISO: "2026-02-30") == nil)
        #expect(CivilDate(strictISO: "2026-2-3") == nil)
        #expect(date("2026-11-28").isWeekend && date("2026-11-29").isWeekend && !date("2026-11-30").isWeekend)
    }
}

/// The working-day calendar shipped with the build and the files admins add.
@Suite struct WorkingDayCalendarTests {
    let calendar = WorkingDayCalendar.builtIn

    func day(_ text: String) -> CivilDate { CivilDate(strictISO: text)! }

    @Test("国务院办公厅2024—2026年部分节假日安排：放假日与调休上班日") func builtInYearsFollowTheNotices() {
        #expect(calendar.coverage == day("2024-01-01")...day("2026-12-31"))
        let rest = ["2024-02-10", "2024-02-17", "2024-05-01", "2024-06-10", "2024-10-07", "2025-01-28", "2025-02-04", "2025-05-31",
                    "2025-06-02", "2025-10-08", "2026-01-02", "2026-02-16", "2026-02-23", "2026-06-19", "2026-09-25", "2026-10-07"]
        for text in rest { #expect(calendar.isWorkingDay(day(text)) == false, "\(text) is a public holiday") }
        let makeUp = ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12",
                      "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
                      "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
        for text in makeUp {
            #expect(day(text).isWeekend)
            #expect(calendar.isWorkingDay(day(text)) == true, "\(text) is a make-up working day")
        }
        #expect(calendar.years.values.map(\.makeUpWorkdays.count).reduce(0, +) == makeUp.count)
        #expect(calendar.isWorkingDay(day("2026-11-30")) == true)
        #expect(calendar.isWorkingDay(day("2026-11-29")) == false)
        #expect(calendar.isWorkingDay(day("2027-01-04")) == nil)
        #expect(calendar.isWorkingDay(day("2023-12-29")) == nil)
        #expect(calendar.holidayName(day("2026-02-16")) == "春节")
    }

    @Test func filesAreCheckedLineByLine() {
        func problem(_ text: String) -> String? {
            do {
                _ = try WorkingDayCalendar.parse(text, origin: "admin.txt")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem("holiday 2027-01-01 元旦") == "admin.txt:1: `holiday` before any `year` line")
        #expect(problem("year 2027 通知\nworkday 2027-01-04 元旦") == "admin.txt:2: 2027-01-04 is a weekday: make-up working days fall on a Saturday or Sunday")
        #expect(problem("year 2027 通知\nholiday 2026-12-31 元旦")?.contains("not in year 2027") == true)
        #expect(problem("year 2027 通知\nholiday 2027-02-30 春节")?.contains("is not a date") == true)
        #expect(problem("year 2027 通知\nholiday 2027-01-01 元旦\nholiday 2027-01-01 元旦")?.contains("listed twice") == true)
        #expect(problem("year 2027 通知\nyear 2027 通知")?.contains("listed twice") == true)
        #expect(problem("yr 2027")?.contains("unknown entry") == true)
        #expect(problem("# only a comment") == "admin.txt: no `year` entry")
        #expect(problem("year 2027 通知 # comment\nholiday 2027-01-01..2027-01-03 元旦 # three days") == nil)
    }

    @Test func anAdminFileAddsAndReplacesYears() throws {
        let added = calendar.merging(try WorkingDayCalendar.parse("year 2027 通知\nholiday 2027-01-01 元旦", origin: "admin.txt"))
        #expect(added.coverage?.upperBound == day("2027-12-31"))
        #expect(added.years[2027]?.origin == "admin.txt:1")
        // A corrected 2026 replaces the built-in one.
        let corrected = calendar.merging(try WorkingDayCalendar.parse("year 2026 更正\nholiday 2026-12-31 测试", origin: "admin.txt"))
        #expect(corrected.isWorkingDay(day("2026-10-01")) == true)
        #expect(corrected.isWorkingDay(day("2026-12-31")) == false)
        // A year after a gap is unusable until the gap is filled.
        let gap = calendar.merging(try WorkingDayCalendar.parse("year 2028 通知\nholiday 2028-01-01 元旦", origin: "admin.txt"))
        #expect(gap.unreachableYears == [2028])
        #expect(gap.isWorkingDay(day("2028-01-03")) == nil)
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
        expectError(.failedPrecondition, containing: ["放弃"]) { _ = try workflow.decide("comment", from: "dropped") }
    }

    @Test func terminalStatuses() {
        #expect(workflow.terminalStatuses == ["done", "dropped"])
        #expect(workflow.allowedCommands(in: "new") == ["drop", "finish"])
    }
}
