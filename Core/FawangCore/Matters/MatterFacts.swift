import Foundation

/// What the statistics (数据统计) count of one matter, derived from the matter itself — its
/// timeline, its line's workflow milestones and its deadlines — whenever the store writes it, and
/// re-derived with the deadline index (``MatterStore/refreshDeadlines()``). No counter is kept
/// anywhere else: every figure is a count or an average over these rows.
public struct MatterFacts: Sendable, Equatable {
    /// Days are Beijing civil days.
    public var submittedDay: CivilDate
    /// The first acceptance step; the submission's day on a line without one. Nil while not
    /// accepted, and for a matter refused or stopped before it was.
    public var acceptedDay: CivilDate?
    /// The step that ended it (concluded, refused or stopped) and when.
    public var outcome: MatterWorkflow.Milestone?
    public var endedDay: CivilDate?
    /// Working days from submission to its end (the day of submission not counted), by the
    /// working-day calendar; weekends only in a year the calendar does not cover.
    public var handlingDays: Int?
    /// The last transfer to another line.
    public var transferredDay: CivilDate?
    /// The applicant's satisfaction rating (1–5) and its day.
    public var rating: Int?
    public var ratedDay: CivilDate?
    /// A deadline was met after its last day.
    public var metLate: Bool
    /// The earliest last day among its running deadlines: overdue once a day after it has come.
    public var openDue: CivilDate?

    public init(
        submittedDay: CivilDate, acceptedDay: CivilDate? = nil, outcome: MatterWorkflow.Milestone? = nil, endedDay: CivilDate? = nil,
        handlingDays: Int? = nil, transferredDay: CivilDate? = nil, rating: Int? = nil, ratedDay: CivilDate? = nil, metLate: Bool = false,
        openDue: CivilDate? = nil
    ) {
        self.submittedDay = submittedDay
        self.acceptedDay = acceptedDay
        self.outcome = outcome
        self.endedDay = endedDay
        self.handlingDays = handlingDays
        self.transferredDay = transferredDay
        self.rating = rating
        self.ratedDay = ratedDay
        self.metLate = metLate
        self.openDue = openDue
    }

    /// The facts of `matter` under its line's `workflow` (nil for a type no module declares now)
    /// and its deadline statuses.
    public static func of(
        _ matter: Matter, workflow: MatterWorkflow?, deadlines: [DeadlineStatus], calendar: WorkingDayCalendar
    ) -> MatterFacts {
        var facts = MatterFacts(submittedDay: CivilDate(matter.submittedAt))
        if workflow?.declaresAcceptance == false { facts.acceptedDay = facts.submittedDay }
        // Events that move the matter on: one after an ending reopens it (a review).
        let moving = Set(workflow?.transitions.values.filter { $0.to != nil }.map(\.event) ?? [])
        for event in matter.timeline {
            let day = CivilDate(event.at)
            switch workflow?.milestones[event.kind] {
            case .accepted?:
                if facts.acceptedDay == nil { facts.acceptedDay = day }
            case let ending?:
                // The last ending counts (a matter reopened on review and concluded again).
                facts.outcome = ending
                facts.endedDay = day
                // Concluded with a result without a recorded acceptance: accepted then.
                if ending == .concluded, facts.acceptedDay == nil { facts.acceptedDay = day }
            case nil:
                if moving.contains(event.kind) {
                    facts.outcome = nil
                    facts.endedDay = nil
                }
            }
            if event.kind == PlatformEvent.transferred { facts.transferredDay = day }
        }
        if let ended = facts.endedDay { facts.handlingDays = workingDays(after: facts.submittedDay, through: ended, calendar: calendar) }
        if let score = MatterRating.score(on: matter.timeline) {
            facts.rating = score
            facts.ratedDay = matter.timeline.last { $0.kind == MatterRating.event }.map { CivilDate($0.at) }
        }
        facts.metLate = deadlines.contains { $0.state == .metLate }
        facts.openDue = deadlines.filter { [.running, .dueSoon, .overdue].contains($0.state) }.compactMap(\.dueDate).min()
        return facts
    }

    /// Working days after `start` up to and including `end` (0 when it ends the day it began).
    public static func workingDays(after start: CivilDate, through end: CivilDate, calendar: WorkingDayCalendar) -> Int {
        guard end > start else { return 0 }
        var count = 0
        var day = start.adding(days: 1)
        while day <= end {
            if calendar.isWorkingDay(day) ?? !day.isWeekend { count += 1 }
            day = day.adding(days: 1)
        }
        return count
    }
}
