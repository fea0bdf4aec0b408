import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.deadline.v1.DeadlineService`: staff's alerts and escalation queue, extensions and
/// stopped clocks on any business line's matter, and the working-day calendar.
struct DeadlineService: Fawang_Deadline_V1_DeadlineService.SimpleServiceProtocol {
    let matters: any MatterStore
    let engine: DeadlineEngine
    let registry: ModuleRegistry
    let directory: any DirectoryStore
    let presenter: MatterPresenter
    let now: @Sendable () -> Date
    /// How often a watch re-checks the day when nothing was written.
    let refreshInterval: Duration
    /// Caps the open `WatchAlerts` streams (`limits.watchers.*`) and ends one when its client goes.
    let watchers: WatcherLimits

    func listAlerts(request: Fawang_Deadline_V1_ListAlertsRequest, context: ServerContext) async throws -> Fawang_Deadline_V1_ListAlertsResponse {
        let query = try scopedQuery(regionCode: request.regionCode, businessLine: request.businessLine)
        return try await response(for: query)
    }

    func listEscalations(request: Fawang_Deadline_V1_ListEscalationsRequest, context: ServerContext) async throws -> Fawang_Deadline_V1_ListAlertsResponse {
        var query = try scopedQuery(regionCode: request.regionCode, businessLine: request.businessLine)
        // The queue of the bureau: matters escalated *to* its division (or below), wherever they are.
        query.escalatedWithin = query.regionCode
        query.regionCode = nil
        return try await response(for: query)
    }

    func watchAlerts(
        request: Fawang_Deadline_V1_WatchAlertsRequest, response: RPCWriter<Fawang_Deadline_V1_AlertUpdate>, context: ServerContext
    ) async throws {
        let base = try scopedQuery(regionCode: request.regionCode, businessLine: request.businessLine)
        // Ends as soon as the client goes (not at the next tick or write); refused with
        // RESOURCE_EXHAUSTED past `limits.watchers.*`.
        try await watchers.watch(context: context) { [self] in
            let changes = engine.changeSignal.changes()
            var sent: [String: Fawang_Deadline_V1_DeadlineAlert] = [:]
            var first = true
            // Wakes on every write (through the change signal) and at least every refreshInterval, so a
            // limit that becomes overdue at midnight is reported without any write.
            let ticks = AsyncStream<Void> { continuation in
                let task = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: refreshInterval)
                        continuation.yield()
                    }
                }
                continuation.onTermination = { _ in task.cancel() }
            }
            let wakeups = AsyncStream<Void> { continuation in
                let a = Task { for await _ in changes { continuation.yield() }; continuation.finish() }
                let b = Task { for await _ in ticks { continuation.yield() }; continuation.finish() }
                continuation.onTermination = { _ in a.cancel(); b.cancel() }
            }
            var iterator = wakeups.makeAsyncIterator()
            repeat {
                var query = base
                query.today = CivilDate(now())
                let current = try await alerts(for: query)
                let byKey = Dictionary(current.map { ("\($0.trackingNumber)|\($0.ruleID)", $0) }, uniquingKeysWith: { a, _ in a })
                var updates: [Fawang_Deadline_V1_AlertUpdate] = []
                for (key, alert) in byKey.sorted(by: { $0.key < $1.key }) where sent[key]?.kind != alert.kind || sent[key]?.escalatedTo != alert.escalatedTo {
                    updates.append(.with { $0.change = .raised; $0.alert = alert })
                }
                for (key, alert) in sent.sorted(by: { $0.key < $1.key }) where byKey[key] == nil {
                    updates.append(.with { $0.change = .cleared; $0.alert = alert })
                }
                if first {
                    if updates.isEmpty { updates.append(Fawang_Deadline_V1_AlertUpdate()) }
                    updates[updates.count - 1].initialSyncDone = true
                    first = false
                }
                try await response.write(contentsOf: updates)
                sent = byKey
            } while await iterator.next() != nil && !Task.isCancelled
        }
    }

    func extendDeadline(request: Fawang_Deadline_V1_ExtendDeadlineRequest, context: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        let handling = try MatterSteps.validate(request.context) { check in
            check.requireText(request.ruleID, "rule_id", label: "期限规则编号", maxLength: 100)
            check.require(request.days >= 1, "days", "延长天数应至少为1天")
            check.requireText(request.reason, "reason", label: "延长期限的理由（应告知申请人）", maxLength: 1000)
        }
        let (engine, now) = (engine, now())
        return try await update(request.trackingNumber) { matter in
            try ClockDecisions.extend(
                matter, ruleID: request.ruleID, days: Int(request.days), reason: request.reason, actor: handling.actor,
                channel: handling.channel, engine: engine, now: now)
        }
    }

    func pauseClock(request: Fawang_Deadline_V1_PauseClockRequest, context: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        let handling = try MatterSteps.validate(request.context) { check in
            check.requireText(request.reason, "reason", label: "中止计算的事由", maxLength: 64)
            check.require(request.note.count <= 1000, "note", "说明不能超过1000字")
        }
        let (engine, now) = (engine, now())
        return try await update(request.trackingNumber) { matter in
            try ClockDecisions.pause(
                matter, reason: request.reason, note: request.note, actor: handling.actor, channel: handling.channel, engine: engine, now: now)
        }
    }

    func resumeClock(request: Fawang_Deadline_V1_ResumeClockRequest, context: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        let handling = try MatterSteps.validate(request.context) { check in
            check.require(request.note.count <= 1000, "note", "说明不能超过1000字")
        }
        return try await update(request.trackingNumber) { matter in
            try ClockDecisions.resume(matter, note: request.note, actor: handling.actor, channel: handling.channel)
        }
    }

    func getCalendar(request: Fawang_Deadline_V1_GetCalendarRequest, context: ServerContext) async throws -> Fawang_Deadline_V1_Calendar {
        let calendar = engine.calendar
        var proto = Fawang_Deadline_V1_Calendar()
        if let coverage = calendar.coverage {
            proto.firstDay = coverage.lowerBound.description
            proto.lastDay = coverage.upperBound.description
        }
        proto.unreachableYears = calendar.unreachableYears.map(Int32.init)
        proto.years = calendar.years.values.sorted { $0.year < $1.year }.map { year in
            .with {
                $0.year = Int32(year.year)
                $0.source = year.source
                $0.origin = year.origin
                $0.holidays = Self.days(year.holidays)
                $0.makeUpWorkdays = Self.days(year.makeUpWorkdays)
            }
        }
        return proto
    }

    func computeDueDate(request: Fawang_Deadline_V1_ComputeDueDateRequest, context: ServerContext) async throws -> Fawang_Deadline_V1_ComputeDueDateResponse {
        var check = FieldValidator()
        let start = CivilDate(strictISO: request.startDate)
        check.require(start != nil, "start_date", "请按YYYY-MM-DD填写起算日期")
        check.require((1...365).contains(request.days), "days", "期限天数应在1至365之间")
        let dayType: DeadlineRule.DayType? = switch request.dayType {
        case .calendar: .calendar
        case .working: .working
        default: nil
        }
        check.require(dayType != nil, "day_type", "请选择按日（DAY_TYPE_CALENDAR）或按工作日（DAY_TYPE_WORKING）计算")
        try check.check()
        let calendar = engine.calendar
        let rule = DeadlineRule(id: "adhoc", label: "", article: "", days: Int(request.days), dayType: dayType!, startsOn: [], metBy: [])
        guard let (due, provisional) = rule.lastDay(from: start!, counting: Int(request.days), skipping: [], calendar: calendar) else {
            let end = calendar.coverage.map { "工作日历只到\($0.upperBound)" } ?? "没有工作日历"
            throw FawangError.failedPrecondition("\(end)，该期限超出日历范围，不能推算；请管理员补充下一年度的节假日安排（deadlines.calendar_file）")
        }
        var response = Fawang_Deadline_V1_ComputeDueDateResponse()
        response.dueDate = due.description
        response.provisional = provisional
        for number in (start!.dayNumber + 1)...due.dayNumber {
            let day = CivilDate(dayNumber: number)
            if calendar.isWorkingDay(day) == false, let name = calendar.holidayName(day) {
                response.holidaysSkipped.append(.with { $0.date = day.description; $0.name = name })
            }
        }
        return response
    }

    // MARK: Helpers

    /// The platform stop still open on `matter`: the last `clock_paused` not followed by a `clock_resumed`.

    private static func days(_ map: [CivilDate: String]) -> [Fawang_Deadline_V1_CalendarDay] {
        map.sorted { $0.key < $1.key }.map { day, name in .with { $0.date = day.description; $0.name = name } }
    }

    /// The caller's alert query: staff and department admins within their division and department.
    private func scopedQuery(regionCode: String, businessLine: String) throws(FawangError) -> DeadlineAlertQuery {
        var check = FieldValidator()
        check.require(regionCode.isEmpty || DivisionCode.isWellFormed(regionCode), "region_code", "请填写6位行政区划代码")
        check.require(businessLine.isEmpty || registry.module(id: businessLine) != nil, "business_line", "没有业务条线 \(businessLine)")
        try check.check()
        var matterQuery = MatterQuery(businessLine: businessLine.isEmpty ? nil : businessLine, regionCode: regionCode.isEmpty ? nil : regionCode)
        try MatterService.scope(&matterQuery, to: MatterService.caller())
        return DeadlineAlertQuery(regionCode: matterQuery.regionCode, businessLine: matterQuery.businessLine, today: CivilDate(now()))
    }

    private func response(for query: DeadlineAlertQuery) async throws -> Fawang_Deadline_V1_ListAlertsResponse {
        var response = Fawang_Deadline_V1_ListAlertsResponse()
        response.alerts = try await alerts(for: query)
        response.asOf = query.today.description
        return response
    }

    private func alerts(for query: DeadlineAlertQuery) async throws -> [Fawang_Deadline_V1_DeadlineAlert] {
        var result: [Fawang_Deadline_V1_DeadlineAlert] = []
        var regionNames: [String: String] = [:]
        for alert in try await matters.deadlineAlerts(query) {
            let module = registry.module(id: alert.businessLine)
            let spec = module?.manifest.matterType(alert.matterType)
            let rule = spec?.allDeadlines.first { $0.id == alert.ruleID }
            var proto = Fawang_Deadline_V1_DeadlineAlert()
            proto.kind = switch alert.kind {
            case .dueSoon: .dueSoon
            case .overdue: .overdue
            case .calendarMissing: .calendarMissing
            }
            proto.trackingNumber = TrackingNumber(alert.trackingNumber)?.formatted ?? alert.trackingNumber
            proto.businessLine = alert.businessLine
            proto.businessLineName = module?.manifest.nameZH ?? alert.businessLine
            proto.matterTypeName = spec?.nameZH ?? alert.matterType
            proto.regionCode = alert.regionCode
            if regionNames[alert.regionCode] == nil {
                regionNames[alert.regionCode] = try await directory.division(code: alert.regionCode)?.name ?? alert.regionCode
            }
            proto.regionName = regionNames[alert.regionCode]!
            proto.ruleID = alert.ruleID
            proto.label = rule?.label ?? alert.ruleID
            proto.article = rule?.article ?? ""
            proto.escalatedTo = alert.escalatedTo ?? ""
            if let due = alert.dueDate {
                proto.dueDate = due.description
                proto.daysOverdue = Int32(max(0, due.days(until: query.today)))
                proto.daysLeft = Int32(max(0, query.today.days(until: due)))
            }
            let what = "\(proto.matterTypeName) \(proto.trackingNumber)：\(proto.label)（\(proto.article)）"
            proto.summary = switch alert.kind {
            case .dueSoon: "\(what)，应于\(proto.dueDate)（含）前办结，剩余\(proto.daysLeft)日"
            case .overdue: "\(what)，已超过\(proto.dueDate)的期限\(proto.daysOverdue)日" + (alert.escalatedTo == nil ? "" : "，已报上级督办")
            case .calendarMissing: "\(what)：工作日历不足以计算期限，请管理员补充节假日安排"
            }
            result.append(proto)
        }
        return result
    }

    /// Any handler of the matter's line and region may extend (subject to the policy's role check),
    /// pause or resume its clocks.
    private func update(_ trackingText: String, _ decide: @escaping @Sendable (Matter) throws -> MatterChange) async throws -> Fawang_Matter_V1_Matter {
        let trackingNumber = try TrackingNumber.parse(trackingText)
        let principal = Principal.current
        let registry = registry
        let matter = try await matters.update(trackingNumber: trackingNumber, at: now()) { matter in
            try Principal.$current.withValue(principal) {
                try MatterSteps.check(.handler, matter)
                try registry.requireEnabled(matter.businessLine, in: matter.regionCode)
                return try decide(matter)
            }
        }
        return try await presenter.staffView(matter, now: now(), revealPersonalData: principal?.seesPersonalData(of: matter) ?? false)
    }
}
