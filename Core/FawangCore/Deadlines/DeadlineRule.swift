public import Foundation

/// A statutory time limit, as a rule over a matter's timeline rather than a stored date.
///
/// A rule starts on an event, may pause and resume on others (waiting for the applicant's
/// materials), and is met by another. Its state is *derived* from the timeline every time, so it
/// can never disagree with what happened.
///
/// Days are counted the way Chinese law counts periods (民法典 第二百零一条): the day of the start
/// event is not counted, the period ends at the end of its last day. Whole calendar days spent
/// paused are added to the period.
///
/// ```swift
/// let decision = DeadlineRule(
///     id: "legal-aid.decision", label: "作出是否给予法律援助的决定",
///     article: "《中华人民共和国法律援助法》第四十三条第一款", days: 7,
///     startsOn: ["submitted"], pausesOn: ["materials_requested"],
///     resumesOn: ["materials_supplied"], metBy: ["approved", "refused"])
/// let status = decision.evaluate(timeline: matter.timeline, now: .now)
/// ```
public struct DeadlineRule: Sendable, Equatable {
    public enum DayType: String, Sendable {
        /// 日: calendar days.
        case calendar
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
    public var metBy: Set<String>

    public init(
        id: String, label: String, article: String, days: Int, dayType: DayType = .calendar,
        startsOn: Set<String>, pausesOn: Set<String> = [], resumesOn: Set<String> = [], metBy: Set<String>
    ) {
        self.id = id
        self.label = label
        self.article = article
        self.days = days
        self.dayType = dayType
        self.startsOn = startsOn
        self.pausesOn = pausesOn
        self.resumesOn = resumesOn
        self.metBy = metBy
    }

    /// The rule's state on `timeline` at `now`, or nil if its start event has not happened.
    public func evaluate(timeline: [MatterEvent], now: Date) -> DeadlineStatus? {
        guard let startIndex = timeline.firstIndex(where: { startsOn.contains($0.kind) }) else { return nil }
        let start = CivilDate(timeline[startIndex].at)
        var pausedDays = 0
        var pausedSince: CivilDate?
        var metAt: Date?
        for event in timeline[(startIndex + 1)...] {
            if metBy.contains(event.kind) {
                metAt = event.at
                break
            }
            if pausesOn.contains(event.kind), pausedSince == nil {
                pausedSince = CivilDate(event.at)
            } else if resumesOn.contains(event.kind), let since = pausedSince {
                pausedDays += since.days(until: CivilDate(event.at))
                pausedSince = nil
            }
        }
        if metAt == nil, let since = pausedSince {
            // Still paused: the days waited so far already count as paused.
            let waited = since.days(until: CivilDate(now))
            return DeadlineStatus(rule: self, state: .paused, dueDate: nil, pausedDays: pausedDays + max(0, waited), metAt: nil)
        }
        let due = start.adding(days: days + pausedDays)
        let state: DeadlineStatus.State
        if let metAt {
            state = CivilDate(metAt) <= due ? .met : .metLate
        } else {
            state = CivilDate(now) <= due ? .running : .overdue
        }
        return DeadlineStatus(rule: self, state: state, dueDate: due, pausedDays: pausedDays, metAt: metAt)
    }
}

/// A rule's state on one matter.
public struct DeadlineStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case running, paused, met, metLate = "met_late", overdue
    }

    public var rule: DeadlineRule
    public var state: State
    /// The last day of the period; nil while paused (the period is not fixed until it resumes).
    public var dueDate: CivilDate?
    public var pausedDays: Int
    public var metAt: Date?

    /// One line for a citizen or a clerk.
    public var summary: String {
        switch state {
        case .running: "应于\(dueDate!)（含）前\(rule.label)（\(rule.article)）"
        case .paused: "等待补充材料，\(rule.label)的期限暂停计算（\(rule.article)）"
        case .met: "已按期\(rule.label)（\(rule.article)）"
        case .metLate: "已\(rule.label)，但超过了\(dueDate!)的期限（\(rule.article)）"
        case .overdue: "已超过\(dueDate!)的期限，尚未\(rule.label)（\(rule.article)）"
        }
    }
}
