public import Foundation

/// Why a clock stops: time the law excludes from a period (a hearing, testing, expert review,
/// waiting for the applicant's materials, force majeure, …).
public struct PauseReason: Sendable, Hashable {
    /// Stable machine name, e.g. `hearing`.
    public var id: String
    public var label: String

    public init(id: String, label: String) {
        self.id = id
        self.label = label
    }

    public static let hearing = PauseReason(id: "hearing", label: "听证")
    public static let testing = PauseReason(id: "testing", label: "检验、检测、检疫")
    public static let expertReview = PauseReason(id: "expert_review", label: "专家评审")
    public static let appraisal = PauseReason(id: "appraisal", label: "鉴定")
    public static let supplementingMaterials = PauseReason(id: "supplementing_materials", label: "补充证明材料")
    public static let verification = PauseReason(id: "verification", label: "核实")
    public static let forceMajeure = PauseReason(id: "force_majeure", label: "不可抗力")
    public static let substituteWork = PauseReason(id: "substitute_work", label: "补充鉴定、重新鉴定或专家咨询")
}

/// How a period may be extended: how often, by how much at most, on which article. Extensions are
/// approved by the agency's head (``Role/departmentAdmin``) with a reason, and only while the
/// period is still running.
public struct ExtensionPolicy: Sendable, Equatable {
    public var maxTimes: Int
    public var maxDays: Int
    public var article: String

    public init(maxTimes: Int, maxDays: Int, article: String) {
        self.maxTimes = maxTimes
        self.maxDays = maxDays
        self.article = article
    }
}

/// A statutory time limit, as a rule over a matter's timeline rather than a stored date.
///
/// A rule starts on an event, may pause and resume (on the plugin's own events, such as waiting
/// for materials, or on the platform's `clock_paused`/`clock_resumed` with one of its
/// ``pauseReasons``), may start afresh on a later event (``restartsOn``), may be extended
/// (`deadline_extended`), and is met by another event. Its
/// state is *derived* from the timeline and the working-day calendar every time, so it can never
/// disagree with what happened.
///
/// Counting (民法典 第二百零一条): the day of the start event is not counted; the period ends at
/// the end of its last day. Days on which the clock is stopped (from the day it stops up to the
/// day before it resumes) are not counted. Working-day periods (工作日) count only the
/// calendar's working days; calendar-day periods (日) whose last day is a rest day run to the
/// next working day (民法典 第二百零三条).
///
/// ```swift
/// let decision = DeadlineRule(
///     id: "legal-aid.decision", label: "作出是否给予法律援助的决定",
///     article: "《中华人民共和国法律援助法》第四十三条", days: 7,
///     startsOn: ["submitted"], pausesOn: ["materials_requested"],
///     resumesOn: ["materials_supplied"], metBy: ["approved", "refused"])
/// let status = decision.evaluate(timeline: matter.timeline, now: .now, calendar: .builtIn)
/// ```
public struct DeadlineRule: Sendable, Equatable {
    public enum DayType: String, Sendable {
        /// 日: calendar days, the last one rolled past rest days.
        case calendar
        /// 工作日: working days of the calendar.
        case working

        /// "7日", "15个工作日".
        public func describe(_ days: Int) -> String {
            switch self {
            case .calendar: "\(days)日"
            case .working: "\(days)个工作日"
            }
        }
    }

    public var id: String
    /// What must be done, in Chinese, e.g. "作出是否给予法律援助的决定".
    public var label: String
    /// The article that creates the limit.
    public var article: String
    public var days: Int
    public var dayType: DayType
    public var startsOn: Set<String>
    public var pausesOn: Set<String>
    public var resumesOn: Set<String>
    /// Events that start the period afresh from their own day while it is not yet met: the period
    /// they replace — its counted days, stops and extensions — no longer counts
    /// (政府信息公开条例 第三十条: the reply period counts from receipt of the corrected application).
    public var restartsOn: Set<String>
    public var metBy: Set<String>
    /// Reasons for which staff may stop this clock (`clock_paused` events).
    public var pauseReasons: [PauseReason]
    public var extensions: ExtensionPolicy?
    /// Staff are warned this many calendar days before the last day.
    public var warningDays: Int
    /// False for limits the corpus does not contain (the Ministry of Justice's own rules): their
    /// days may be set in config (`deadlines.rule_days`) and their article is to be confirmed.
    public var articleConfirmed: Bool
    /// A duty owed afresh each time it is asked for (a callback after each written opinion): the
    /// latest start is the one that counts, met or not before it.
    public var latestStartCounts = false

    public init(
        id: String, label: String, article: String, days: Int, dayType: DayType = .calendar,
        startsOn: Set<String>, pausesOn: Set<String> = [], resumesOn: Set<String> = [], restartsOn: Set<String> = [], metBy: Set<String>,
        pauseReasons: [PauseReason] = [], extensions: ExtensionPolicy? = nil, warningDays: Int = 2, articleConfirmed: Bool = true
    ) {
        precondition(days > 0, "deadline \(id) must have a positive number of days")
        self.id = id
        self.label = label
        self.article = article
        self.days = days
        self.dayType = dayType
        self.startsOn = startsOn
        self.pausesOn = pausesOn
        self.resumesOn = resumesOn
        self.restartsOn = restartsOn
        self.metBy = metBy
        self.pauseReasons = pauseReasons
        self.extensions = extensions
        self.warningDays = warningDays
        self.articleConfirmed = articleConfirmed
    }

    /// The rule's state on `timeline` at `now`, or nil if its start event has not happened.
    /// `days` overrides the rule's own number of days (a configured Ministry rule).
    public func evaluate(timeline: [MatterEvent], now: Date, calendar: WorkingDayCalendar, days overriddenDays: Int? = nil) -> DeadlineStatus? {
        // After a transfer, only what happened in the receiving line counts for its clocks.
        let timeline = timeline.lastIndex { $0.kind == PlatformEvent.transferred }.map { Array(timeline[$0...]) } ?? timeline
        guard let firstStart = timeline.firstIndex(where: { startsOn.contains($0.kind) }) else { return nil }
        // The last restart before the period is met starts it again (nothing earlier counts).
        var startIndex = firstStart
        if latestStartCounts, let latest = timeline.lastIndex(where: { startsOn.contains($0.kind) }) {
            startIndex = latest
        } else if !restartsOn.isEmpty {
            for index in timeline.indices.dropFirst(firstStart + 1) {
                if metBy.contains(timeline[index].kind) { break }
                if restartsOn.contains(timeline[index].kind) { startIndex = index }
            }
        }
        // A start the law dates back (行政许可法 第三十二条: not answered within 5 days, an application
        // counts as accepted from receipt) names its day in `counts_from`.
        let startEvent = timeline[startIndex]
        let start = startEvent.attributes[PlatformEvent.countsFrom].flatMap(CivilDate.init(strictISO:)).map { min($0, CivilDate(startEvent.at)) }
            ?? CivilDate(startEvent.at)
        let today = CivilDate(now)
        var stops: [Range<Int>] = []
        // Stops may overlap (waiting for materials while a verification runs): the clock is stopped
        // from the first stop until the last open one resumes.
        var openReasons: [String] = []
        var stoppedSince: CivilDate?
        var extensionDays = 0
        var extensionCount = 0
        var metAt: Date?
        for event in timeline[(startIndex + 1)...] {
            if metBy.contains(event.kind) {
                metAt = event.at
                // Met while the clock stands (an application abandoned while a correction is
                // awaited): the stopped days up to that day are not counted either.
                if let since = stoppedSince {
                    stops.append(since.dayNumber..<max(since.dayNumber, CivilDate(event.at).dayNumber))
                    stoppedSince = nil
                }
                break
            }
            if let reason = pauseReason(of: event), !openReasons.contains(reason) {
                if openReasons.isEmpty { stoppedSince = CivilDate(event.at) }
                openReasons.append(reason)
            } else if let index = openReasons.firstIndex(where: { resumes(event, reason: $0) }) {
                openReasons.remove(at: index)
                if openReasons.isEmpty, let since = stoppedSince {
                    stops.append(since.dayNumber..<max(since.dayNumber, CivilDate(event.at).dayNumber))
                    stoppedSince = nil
                }
            } else if event.kind == PlatformEvent.deadlineExtended, event.attributes["rule_id"] == id, let extra = Int(event.attributes["days"] ?? "") {
                extensionDays += extra
                extensionCount += 1
            }
        }
        let pausedDays = stops.reduce(0) { $0 + $1.count }
        var status = DeadlineStatus(
            rule: self, state: .running, dueDate: nil, startDate: start, days: (overriddenDays ?? days) + extensionDays,
            pausedDays: pausedDays, extensions: extensionCount, metAt: metAt, pausedFor: nil, calendarEnd: calendar.coverage?.upperBound)
        if metAt == nil, let since = stoppedSince {
            status.state = .paused
            status.pausedDays += max(0, since.days(until: today))
            status.pausedFor = openReasons.map { reason in
                reason == "materials" ? "等待补充材料" : pauseReasons.first { $0.id == reason }?.label ?? reason
            }.joined(separator: "、")
            return status
        }
        switch lastDay(from: start, counting: status.days, skipping: stops, calendar: calendar) {
        case let (due, provisional)?:
            status.dueDate = due
            status.provisional = provisional
            if let metAt {
                status.state = CivilDate(metAt) <= due ? .met : .metLate
            } else if today > due {
                status.state = .overdue
            } else {
                status.state = today >= due.adding(days: -warningDays) ? .dueSoon : .running
            }
        case .none:
            // Past the calendar's end: refuse to guess the legal date. A met limit is still met.
            status.state = metAt == nil ? .uncomputable : .met
            if metAt == nil {
                // Beside it, a date for planning: rest days past the calendar taken to be weekends only.
                status.provisionalDueDate = lastDay(from: start, counting: status.days, skipping: stops, calendar: calendar, weekendsBeyondCalendar: true)?.0
            }
        }
        return status
    }

    /// The reason `event` stops this clock, if it does.
    func pauseReason(of event: MatterEvent) -> String? {
        if pausesOn.contains(event.kind) { return "materials" }
        if event.kind == PlatformEvent.clockPaused, let reason = event.attributes["reason"], pauseReasons.contains(where: { $0.id == reason }) {
            return reason
        }
        return nil
    }

    private func resumes(_ event: MatterEvent, reason: String) -> Bool {
        if reason == "materials" { return resumesOn.contains(event.kind) }
        return event.kind == PlatformEvent.clockResumed && event.attributes["reason"] == reason
    }

    /// The period's last day, or nil when it cannot be known from the calendar. `provisional`:
    /// a calendar-day period whose last day lies past the calendar, so a holiday roll-over
    /// (民法典 第二百零三条) could not be checked.
    /// With `weekendsBeyondCalendar`, days past the calendar count as working days unless they are
    /// a Saturday or Sunday: a provisional date, never the legal one.
    public func lastDay(
        from start: CivilDate, counting total: Int, skipping stops: [Range<Int>], calendar: WorkingDayCalendar, weekendsBeyondCalendar: Bool = false
    ) -> (CivilDate, provisional: Bool)? {
        var day = start
        var counted = 0
        while counted < total {
            day = day.adding(days: 1)
            if stops.contains(where: { $0.contains(day.dayNumber) }) { continue }
            if dayType == .working {
                guard let working = calendar.isWorkingDay(day) ?? (weekendsBeyondCalendar ? !day.isWeekend : nil) else { return nil }
                if !working { continue }
            }
            counted += 1
        }
        if dayType == .calendar {
            // 民法典 第二百零三条: a last day on a rest day moves to the day after the rest ends.
            while true {
                guard let working = calendar.isWorkingDay(day) else { return (day, true) }
                if working { return (day, false) }
                day = day.adding(days: 1)
            }
        }
        return (day, false)
    }
}

/// A rule's state on one matter.
public struct DeadlineStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case running
        /// Running, and within the rule's warning margin of its last day.
        case dueSoon = "due_soon"
        case paused, met
        case metLate = "met_late"
        case overdue
        /// A working-day period running past the calendar's last year.
        case uncomputable
    }

    public var rule: DeadlineRule
    public var state: State
    /// The last day of the period; nil while paused (not fixed until it resumes) or uncomputable.
    public var dueDate: CivilDate?
    public var startDate: CivilDate
    /// The period's length including extensions.
    public var days: Int
    public var pausedDays: Int
    public var extensions: Int
    public var metAt: Date?
    /// The label of the reason the clock is stopped for.
    public var pausedFor: String?
    public var calendarEnd: CivilDate?
    /// The last day is past the calendar, so a holiday roll-over could not be checked.
    public var provisional = false
    /// While uncomputable: the last day counting only Saturdays and Sundays as rest days past the
    /// calendar (暂按周末推算), until the State Council's notice for that year is added.
    public var provisionalDueDate: CivilDate?

    /// Open limits are the ones staff still have to meet.
    public var isOpen: Bool { [.running, .dueSoon, .paused, .overdue, .uncomputable].contains(state) }

    /// One line for a citizen or a clerk.
    public var summary: String {
        let basis = "（\(rule.dayType.describe(days))，\(rule.article)\(rule.articleConfirmed ? "" : "，依据待确认")）"
        let due = dueDate?.description ?? ""
        switch state {
        case .running, .dueSoon:
            return "应于\(due)（含）前\(rule.label)\(basis)" + (provisional ? "；如末日为法定节假日则顺延" : "")
        case .paused:
            return "因\(pausedFor ?? "中止事由")，\(rule.label)的期限暂停计算\(basis)"
        case .met:
            return "已\(dueDate == nil ? "" : "按期")\(rule.label)\(basis)"
        case .metLate:
            return "已\(rule.label)，但超过了\(due)的期限\(basis)"
        case .overdue:
            return "已超过\(due)的期限，尚未\(rule.label)\(basis)"
        case .uncomputable:
            let end = calendarEnd.map { "工作日历只到\($0)" } ?? "没有工作日历"
            let estimate = provisionalDueDate.map { date in
                let year = calendarEnd.map { "\($0.components.year + 1)年" } ?? "\(date.components.year)年"
                return "；暂按周末推算为\(date)（仅供参考，待国务院公布\(year)节假日安排后确定）"
            } ?? ""
            return "\(end)，无法计算\(rule.label)的期限\(basis)\(estimate)；请管理员补充节假日安排"
        }
    }
}

/// Timeline events the platform itself records on any matter, whatever its business line.
public enum PlatformEvent {
    public static let deadlineExtended = "deadline_extended"
    public static let clockPaused = "clock_paused"
    public static let clockResumed = "clock_resumed"
    public static let escalated = "escalated"
    public static let transferred = "transferred"
    /// A file attached to the matter (its `material_id` attribute names it).
    public static let materialUploaded = "material_uploaded"
    /// The applicant's satisfaction rating (``MatterRating``).
    public static let rated = "rated"
    /// The office calls someone back (``PlatformDeadlines/callback``): after a rating of 2 or
    /// less, a complaint's end, or a hotline call nobody answered.
    public static let callbackRequired = "callback_required"
    /// The callback made, with its outcome.
    public static let callbackDone = "callback_done"
    /// A visit booked for the matter (网上预约), moved, or called off; its `booking` attribute
    /// names the booking.
    public static let appointmentBooked = "appointment_booked"
    public static let appointmentCancelled = "appointment_cancelled"
    /// Served at a hall window (实体大厅): its `ticket` and `window` attributes say where.
    public static let servedAtWindow = "served_at_window"
    /// Referred by the national 12348 platform (转办): its `referral_id` attribute is the
    /// referral's message id (``NationalExchange``).
    public static let referred = "referred"
    /// Attribute of a start event: the day (YYYY-MM-DD, not after the event) its periods count from.
    public static let countsFrom = "counts_from"

    public static let labels: [String: String] = [
        deadlineExtended: "批准延长办理期限",
        clockPaused: "期限中止计算",
        clockResumed: "期限恢复计算",
        escalated: "逾期未办结，报上级督办",
        transferred: "转至其他业务条线办理",
        materialUploaded: "提交材料",
        rated: "申请人评价",
        callbackRequired: "转办理机构回访",
        callbackDone: "完成回访",
        appointmentBooked: "预约到场办理",
        appointmentCancelled: "取消预约",
        servedAtWindow: "窗口办理",
        referred: "全国12348平台转办",
    ]
}

/// Limits the platform sets on every matter of every line, whatever its type.
public enum PlatformDeadlines {
    /// 回访: a satisfaction rating of 2 or less, a complaint's end, or a hotline call nobody
    /// answered asks the responsible office to call back within 2 working days and record what
    /// came of it. A service standard of the platform, not a statute: its article is to be
    /// confirmed and its days may be set in config (`deadlines.rule_days` `platform.callback`).
    public static let callback: DeadlineRule = {
        var rule = DeadlineRule(
            id: "platform.callback", label: "回访（不满意评价、投诉办结、未接来电）", article: "12348公共法律服务平台服务规范（回访）", days: 2,
            dayType: .working, startsOn: [PlatformEvent.callbackRequired], metBy: [PlatformEvent.callbackDone], warningDays: 1, articleConfirmed: false)
        // Each request for a callback (a petition's every opinion) is a callback owed afresh.
        rule.latestStartCounts = true
        return rule
    }()

    public static let all = [callback]
}
