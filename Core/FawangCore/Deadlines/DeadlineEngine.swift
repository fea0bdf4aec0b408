public import Foundation
import Synchronization

/// The platform's legal clocks: evaluates every matter's deadline rules against the working-day
/// calendar in force, and keeps what staff need to be alerted by.
///
/// The calendar and the configured lengths of Ministry rules can be replaced at run time (a config
/// reload); the store then re-derives its deadline index (``MatterStore/refreshDeadlines()``).
public final class DeadlineEngine: Sendable {
    private struct State {
        var calendar: WorkingDayCalendar
        var ruleDays: [String: Int]
    }

    private let registry: ModuleRegistry
    private let state: Mutex<State>
    private let changes = ChangeSignal()

    public init(registry: ModuleRegistry, calendar: WorkingDayCalendar, ruleDays: [String: Int] = [:]) {
        self.registry = registry
        self.state = Mutex(State(calendar: calendar, ruleDays: ruleDays))
    }

    public var calendar: WorkingDayCalendar { state.withLock { $0.calendar } }
    public var ruleDays: [String: Int] { state.withLock { $0.ruleDays } }

    /// Replaces the calendar and the rule lengths; true if anything changed.
    @discardableResult
    public func update(calendar: WorkingDayCalendar, ruleDays: [String: Int]) -> Bool {
        state.withLock { state in
            guard state.calendar != calendar || state.ruleDays != ruleDays else { return false }
            state.calendar = calendar
            state.ruleDays = ruleDays
            return true
        }
    }

    /// Every started deadline of `matter`.
    public func statuses(of matter: Matter, now: Date) -> [DeadlineStatus] {
        guard let spec = matterType(of: matter) else { return [] }
        let (calendar, ruleDays) = state.withLock { ($0.calendar, $0.ruleDays) }
        return spec.deadlineStatuses(timeline: matter.timeline, now: now, calendar: calendar, ruleDays: ruleDays)
    }

    /// The declaration of `matter`'s type, from its module's manifest.
    func matterType(of matter: Matter) -> MatterTypeSpec? {
        registry.module(id: matter.businessLine)?.manifest.matterType(matter.matterType)
    }

    /// The rule `id` of `matter`'s type, if it has one.
    public func rule(_ id: String, of matter: Matter) -> DeadlineRule? {
        registry.module(id: matter.businessLine)?.manifest.matterType(matter.matterType)?.allDeadlines.first { $0.id == id }
    }

    /// What the deadline index holds for `matter`: its open limits, independent of the day they are
    /// looked at (whether one is overdue is decided when the index is read).
    public func projections(of matter: Matter) -> [DeadlineProjection] {
        // Any instant before the events works: only open/closed and the due date are kept.
        statuses(of: matter, now: matter.submittedAt).compactMap { status in
            let state: DeadlineProjection.State
            switch status.state {
            case .met, .metLate: return nil
            case .paused: state = .paused
            case .uncomputable: state = .uncomputable
            case .running, .dueSoon, .overdue: state = .running
            }
            let escalation = matter.timeline.last { $0.kind == PlatformEvent.escalated && $0.attributes["rule_id"] == status.rule.id }
            return DeadlineProjection(
                matterID: matter.id, ruleID: status.rule.id, state: state, dueDate: status.dueDate,
                warnFrom: status.dueDate?.adding(days: -status.rule.warningDays), escalatedTo: escalation?.attributes["to_region"])
        }
    }

    /// What the statistics count of `matter` (``MatterFacts``), under its line's workflow and the
    /// calendar in force.
    public func facts(of matter: Matter) -> MatterFacts {
        let spec = matterType(of: matter)
        return MatterFacts.of(matter, workflow: spec?.workflow, deadlines: statuses(of: matter, now: matter.updatedAt), calendar: calendar)
    }

    /// Deadline-relevant changes (a matter written, the calendar replaced), for watchers.
    public var changeSignal: ChangeSignal { changes }
}

/// One open deadline of one matter as the index keeps it.
public struct DeadlineProjection: Sendable, Equatable {
    public enum State: String, Sendable {
        case running, paused, uncomputable
    }

    public var matterID: String
    public var ruleID: String
    public var state: State
    public var dueDate: CivilDate?
    /// First day staff are warned.
    public var warnFrom: CivilDate?
    /// The division whose bureau the overdue matter was escalated to.
    public var escalatedTo: String?

    public init(matterID: String, ruleID: String, state: State, dueDate: CivilDate?, warnFrom: CivilDate?, escalatedTo: String?) {
        self.matterID = matterID
        self.ruleID = ruleID
        self.state = state
        self.dueDate = dueDate
        self.warnFrom = warnFrom
        self.escalatedTo = escalatedTo
    }
}

/// A deadline that needs staff's attention.
public struct DeadlineAlert: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable {
        /// Within the warning margin of the last day.
        case dueSoon = "due_soon"
        case overdue
        /// A working-day limit the calendar cannot compute: an admin must add the next year.
        case calendarMissing = "calendar_missing"
    }

    public var kind: Kind
    public var matterID: String
    public var trackingNumber: String
    public var businessLine: String
    public var matterType: String
    public var regionCode: String
    public var ruleID: String
    public var dueDate: CivilDate?
    public var escalatedTo: String?

    public init(
        kind: Kind, matterID: String, trackingNumber: String, businessLine: String, matterType: String, regionCode: String,
        ruleID: String, dueDate: CivilDate?, escalatedTo: String?
    ) {
        self.kind = kind
        self.matterID = matterID
        self.trackingNumber = trackingNumber
        self.businessLine = businessLine
        self.matterType = matterType
        self.regionCode = regionCode
        self.ruleID = ruleID
        self.dueDate = dueDate
        self.escalatedTo = escalatedTo
    }
}

public struct DeadlineAlertQuery: Sendable {
    /// Alerts of matters in this division or below.
    public var regionCode: String?
    public var businessLine: String?
    /// Only overdue matters escalated to a bureau in this division or below (the supervising
    /// bureau's queue).
    public var escalatedWithin: String?
    /// Only overdue limits not yet escalated (the escalation scan).
    public var unescalatedOverdueOnly: Bool
    public var today: CivilDate
    public var limit: Int

    public init(
        regionCode: String? = nil, businessLine: String? = nil, escalatedWithin: String? = nil, unescalatedOverdueOnly: Bool = false,
        today: CivilDate, limit: Int = 500
    ) {
        self.regionCode = regionCode
        self.businessLine = businessLine
        self.escalatedWithin = escalatedWithin
        self.unescalatedOverdueOnly = unescalatedOverdueOnly
        self.today = today
        self.limit = limit
    }
}

/// Wakes every waiting watcher when something changed. Waiters that were not waiting at the time
/// see the next change.
public final class ChangeSignal: Sendable {
    private struct State {
        var generation = 0
        var waiters: [Int: AsyncStream<Int>.Continuation] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func notify() {
        let (generation, waiters) = state.withLock { state in
            state.generation += 1
            return (state.generation, Array(state.waiters.values))
        }
        for waiter in waiters { waiter.yield(generation) }
    }

    /// A stream of change generations, newest only, until the consumer stops.
    public func changes() -> AsyncStream<Int> {
        let (stream, continuation) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.waiters[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.waiters.removeValue(forKey: id) }
        }
        return stream
    }
}

extension DivisionCode {
    /// The division whose bureau supervises `code`'s: a county's city, a city's province; a
    /// province supervises itself.
    public static func supervisor(of code: String) -> String {
        switch level(of: code) {
        case 3: city(of: code) ?? code
        case 2: String(code.prefix(2)) + "0000"
        default: code
        }
    }
}
