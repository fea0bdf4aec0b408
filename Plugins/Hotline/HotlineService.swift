import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf
import Synchronization

/// `fawang.hotline.v1.HotlineService`: the call log, the agent's desk and the caller look-up.
struct HotlineService: Sendable {
    let context: PluginContext
    let changes: DeskChanges
    /// Staffed minutes after midnight (Beijing) on working days.
    let hours: ClosedRange<Int>

    typealias Method = Fawang_Hotline_V1_HotlineService.Method
    private var storage: any ModuleStorage { context.storage }

    /// The call centre (a service account bound to the hotline) and the hotline's staff report
    /// calls; the desk, the look-up and the log are the hotline staff's (agents are staff of the
    /// `hotline` department, or accounts bound to the hotline channel).
    static let rpcs = RPCTable<HotlineService>([
        RPC(Method.ReportCallEvent.descriptor, .roles([.service, .staff, .departmentAdmin, .platformAdmin]), verb: "report-call",
            help: "呼叫中心上报来电事件（振铃、接听、挂断、放弃）", argument: "call_id",
            aliases: ["caller": "caller_number", "region": "region_code"], HotlineService.reportCallEvent),
        RPC(Method.WatchDesk.descriptor, .roles([.staff, .departmentAdmin, .platformAdmin]), help: "坐席工作台：来电振铃、本坐席接听即推送",
            stream: HotlineService.watchDesk),
        RPC(Method.LookupCaller.descriptor, .roles([.staff, .departmentAdmin, .platformAdmin]), verb: "lookup",
            help: "来电人在平台办理的事项、咨询和以往来电（按来电号码）", argument: "call_id", HotlineService.lookupCaller),
        RPC(Method.RecordCallOutcome.descriptor, .roles([.staff, .departmentAdmin, .platformAdmin]), verb: "outcome",
            help: "登记通话结果及相关受理编号", argument: "call_id", aliases: ["tracking": "tracking_numbers"], HotlineService.recordCallOutcome),
        RPC(Method.ListCalls.descriptor, .roles([.staff, .departmentAdmin, .platformAdmin]), verb: "calls",
            help: "通话记录（某日，可按坐席、状态）", argument: "day", HotlineService.listCalls),
    ])

    static let migration = StorageMigration(id: "v1-calls", statements: [
        """
        CREATE TABLE hotline_calls (
            call_id TEXT PRIMARY KEY,
            line TEXT NOT NULL,
            caller_number TEXT NOT NULL,
            region_code TEXT NOT NULL,
            day TEXT NOT NULL,
            state TEXT NOT NULL,
            agent TEXT NOT NULL DEFAULT '',
            offered_at REAL NOT NULL,
            answered_at REAL,
            ended_at REAL,
            after_hours INTEGER NOT NULL,
            outcome TEXT NOT NULL DEFAULT '',
            tracking_numbers TEXT NOT NULL DEFAULT '',
            callback_tracking TEXT NOT NULL DEFAULT '',
            reported_by TEXT NOT NULL
        )
        """,
        "CREATE INDEX hotline_calls_by_day ON hotline_calls (day, region_code)",
        "CREATE INDEX hotline_calls_by_caller ON hotline_calls (caller_number, offered_at)",
    ])

    static let stateLabels = ["offered": "振铃排队", "answered": "通话中", "ended": "已结束", "abandoned": "未接通（已放弃）"]

    // MARK: The call centre's events

    func reportCallEvent(_ request: Fawang_Hotline_V1_CallEvent) async throws -> Fawang_Hotline_V1_Call {
        var check = FieldValidator()
        check.requireText(request.callID, "call_id", label: "呼叫编号", maxLength: 64)
        let kind: String? = switch request.kind {
        case .offered: "offered"
        case .answered: "answered"
        case .ended: "ended"
        case .abandoned: "abandoned"
        default: nil
        }
        check.require(kind != nil, "kind", "请注明事件：offered、answered、ended 或 abandoned")
        if let problem = PhoneNumber.problem(with: request.callerNumber) { check.fail("caller_number", problem) }
        check.require(request.line.count <= 32, "line", "线路不能超过32个字符")
        check.require(kind != "answered" || !request.agent.isEmpty, "agent", "接听事件须注明坐席账号")
        check.require(request.agent.count <= 64, "agent", "坐席账号不能超过64个字符")
        if !request.regionCode.isEmpty { check.divisionCode(request.regionCode) }
        try check.check()
        let principal = try Self.reporter(Principal.current)
        let existing = try await call(request.callID)
        // The division the call was routed to when it rang; a later event cannot move it.
        let regionCode = existing?.string("region_code") ?? (request.regionCode.isEmpty ? principal.regionCode : request.regionCode)
        guard try await context.directory.division(code: regionCode) != nil else {
            throw FawangError.invalidArgument(field: "region_code", "行政区划代码 \(regionCode) 不在本平台服务范围内")
        }
        guard principal.channel == .hotline || principal.mayHandle(businessLine: HotlinePlugin.moduleID, regionCode: regionCode) else {
            throw FawangError(.permissionDenied, "本账号不是12348热线的呼叫中心或坐席账号，不能上报来电")
        }
        let at = request.hasAt ? request.at.date : context.now()
        let number = PhoneNumber.normalized(request.callerNumber)
        if let existing, existing.string("caller_number") != number {
            throw FawangError.failedPrecondition("呼叫编号 \(request.callID) 已用于另一来电号码")
        }
        var statements: [SQLStatement] = []
        if existing == nil {
            statements.append(SQLStatement(
                """
                INSERT INTO hotline_calls (call_id, line, caller_number, region_code, day, state, offered_at, after_hours, reported_by)
                VALUES (?, ?, ?, ?, ?, 'offered', ?, ?, ?) ON CONFLICT (call_id) DO NOTHING
                """,
                [
                    .text(request.callID), .text(request.line), .text(number), .text(regionCode), .text(CivilDate(at).description),
                    .real(at.timeIntervalSince1970), .integer(afterHours(at) ? 1 : 0), .text(principal.accountID),
                ]))
        }
        let state = existing?.string("state") ?? "offered"
        switch (kind!, state) {
        case ("offered", _), ("answered", "answered"), ("answered", "ended"), ("ended", "ended"), ("abandoned", "abandoned"):
            break  // already known: a repeated event changes nothing
        case ("answered", "offered"):
            statements.append(SQLStatement(
                "UPDATE hotline_calls SET state = 'answered', agent = ?, answered_at = ? WHERE call_id = ? AND state = 'offered'",
                [.text(request.agent), .real(at.timeIntervalSince1970), .text(request.callID)]))
        case ("ended", "answered"):
            statements.append(SQLStatement(
                "UPDATE hotline_calls SET state = 'ended', ended_at = ? WHERE call_id = ? AND state = 'answered'",
                [.real(at.timeIntervalSince1970), .text(request.callID)]))
        case ("ended", "offered"), ("abandoned", "offered"):
            // Nobody answered: after hours (the caller heard the closing message) or in the queue.
            try await openCallback(
                callID: request.callID, number: number, regionCode: regionCode, state: kind!, at: at,
                statements: statements, afterHours: existing.map { $0.int("after_hours") == 1 } ?? afterHours(at))
            return try await publish(request.callID)
        default:
            throw FawangError.failedPrecondition(
                "呼叫 \(request.callID) 当前为「\(Self.stateLabels[state] ?? state)」，不能再记为「\(Self.stateLabels[kind!] ?? kind!)」")
        }
        if !statements.isEmpty {
            try await storage.execute(statements, audit: AuditDraft(
                actor: principal.accountID, role: principal.role.rawValue, channel: Channel.hotline.rawValue,
                target: "hotline:\(request.callID)", detail: "call_\(kind!)"))
        }
        return try await publish(request.callID)
    }

    /// A call nobody answered becomes a callback task for the office of its division, written with
    /// the call's new state in one transaction (the matter's); the call id keys it, so a repeated
    /// event opens no second task.
    private func openCallback(
        callID: String, number: String, regionCode: String, state: String, at: Date, statements: [SQLStatement], afterHours: Bool
    ) async throws {
        let masked = Self.masked(number)
        let reason = afterHours ? "非工作时间来电" : "来电排队时挂断"
        let request = Fawang_Hotline_V1_CallEvent.with {
            $0.callID = callID
            $0.callerNumber = number
        }
        _ = try await MatterSteps(context: context, businessLine: HotlinePlugin.moduleID).submit(
            request: request, requestID: "call:\(callID)", matterType: CallbackWorkflow.matterType, initialStatus: "pending",
            applicant: Person(name: "来电人\(masked)", idNumber: "", phone: number), regionCode: regionCode,
            handling: Handling(channel: .hotline, actor: "system"), details: DetailsCoding.encode(["call_id": callID, "reason": reason]),
            firstEvent: PlatformEvent.callbackRequired, attributes: ["call_id": callID], note: "\(reason)（\(masked)），请回拨"
        ) { matter in
            statements + [SQLStatement(
                "UPDATE hotline_calls SET state = ?, ended_at = ?, callback_tracking = ? WHERE call_id = ? AND state = 'offered'",
                [.text(state), .real(at.timeIntervalSince1970), .text(matter.trackingNumber.formatted), .text(callID)])]
        }
    }

    /// Whether `at` is outside the desk's staffed hours (a holiday, a weekend that is not a
    /// make-up working day, or before or after hours).
    func afterHours(_ at: Date) -> Bool {
        let day = CivilDate(at)
        guard context.deadlines.calendar.isWorkingDay(day) ?? !day.isWeekend else { return true }
        return !hours.contains(CivilDate.minuteOfDay(at))
    }

    // MARK: The desk

    func watchDesk(_ request: Fawang_Hotline_V1_WatchDeskRequest, _ writer: RPCWriter<Fawang_Hotline_V1_DeskUpdate>) async throws {
        let agent = try Self.agent(Principal.current)
        func concerns(_ call: Fawang_Hotline_V1_Call) -> Bool {
            let ringing = call.state == "offered" && (agent.role == .platformAdmin || DivisionCode.contains(agent.regionCode, call.regionCode))
            return ringing || call.agent == agent.accountID
        }
        // Watching before reading what rings now: a call in between is sent twice, never lost.
        let (id, stream) = changes.watch()
        defer { changes.stop(id) }
        let ringing = try await storage.query(SQLStatement(
            "SELECT * FROM hotline_calls WHERE state = 'offered' AND day = ? ORDER BY offered_at", [.text(CivilDate(context.now()).description)]))
        for row in ringing where concerns(Self.call(row, full: true)) {
            try await writer.write(.with { $0.call = Self.call(row, full: true) })
        }
        try await writer.write(.with { $0.synced = true })
        for await call in stream where concerns(call) {
            try await writer.write(.with { $0.call = call })
        }
    }

    func lookupCaller(_ request: Fawang_Hotline_V1_LookupCallerRequest) async throws -> Fawang_Hotline_V1_CallerCard {
        let agent = try Self.agent(Principal.current)
        var number = PhoneNumber.normalized(request.phone)
        if !request.callID.isEmpty {
            guard let row = try await call(request.callID) else { throw FawangError.notFound("没有呼叫编号为 \(request.callID) 的来电") }
            number = row.string("caller_number") ?? ""
        } else if let problem = PhoneNumber.problem(with: request.phone) {
            throw FawangError.invalidArgument(field: "phone", "请填写来电号码或呼叫编号：\(problem)")
        }
        let now = context.now()
        var matters: [Fawang_Hotline_V1_CallerMatter] = []
        for matter in try await context.matters.matters(phone: number, limit: 100)
        where agent.role == .platformAdmin || DivisionCode.contains(agent.regionCode, matter.regionCode) {
            let view = try await context.presenter.staffView(matter, now: now, includeTimeline: false, revealPersonalData: false)
            let role = PhoneNumber.normalized(matter.applicant.phone) == number
                ? "applicant" : matter.parties.first { PhoneNumber.normalized($0.person.phone) == number }?.role ?? ""
            let ended = context.modules.module(forMatterType: matter.matterType)?.type.workflow.terminalStatuses.contains(matter.status) ?? false
            matters.append(.with {
                $0.trackingNumber = view.trackingNumber
                $0.businessLineName = view.businessLineName
                $0.matterTypeName = view.matterTypeName
                $0.statusLabel = view.statusLabel
                $0.submittedAt = view.submittedAt
                $0.regionName = view.regionName
                $0.role = role
                $0.ended = ended
            })
            if matters.count == 20 { break }
        }
        let recent = try await storage.query(SQLStatement(
            "SELECT * FROM hotline_calls WHERE caller_number = ? ORDER BY offered_at DESC LIMIT 11", [.text(number)]))
        return .with {
            $0.phone = number
            $0.matters = matters
            $0.recentCalls = recent.filter { $0.string("call_id") != request.callID }.prefix(10).map { Self.call($0, full: true) }
        }
    }

    func recordCallOutcome(_ request: Fawang_Hotline_V1_RecordCallOutcomeRequest) async throws -> Fawang_Hotline_V1_Call {
        var check = FieldValidator()
        check.requireText(request.callID, "call_id", label: "呼叫编号", maxLength: 64)
        check.requireText(request.outcome, "outcome", label: "通话结果", maxLength: 1000)
        check.require(request.trackingNumbers.count <= 10, "tracking_numbers", "受理编号不能超过10个")
        let numbers = request.trackingNumbers.enumerated().map { check.trackingNumber($0.element, field: "tracking_numbers[\($0.offset)]") }
        try check.check()
        let agent = try Self.agent(Principal.current)
        guard let row = try await call(request.callID) else { throw FawangError.notFound("没有呼叫编号为 \(request.callID) 的来电") }
        guard row.string("agent") == agent.accountID || agent.mayHandle(businessLine: HotlinePlugin.moduleID, regionCode: row.string("region_code") ?? "") else {
            throw FawangError(.permissionDenied, "该来电不是本坐席接听的，也不在本账号的办理范围内")
        }
        for (index, number) in numbers.enumerated() {
            guard let number, try await context.matters.matter(trackingNumber: number) != nil else {
                throw FawangError.invalidArgument(field: "tracking_numbers[\(index)]", "没有受理编号为 \(request.trackingNumbers[index]) 的事项")
            }
        }
        let linked = Set((row.string("tracking_numbers") ?? "").split(separator: ",").map(String.init) + numbers.compactMap { $0?.formatted })
        try await storage.execute(
            [SQLStatement(
                "UPDATE hotline_calls SET outcome = ?, tracking_numbers = ? WHERE call_id = ?",
                [.text(request.outcome), .text(linked.sorted().joined(separator: ",")), .text(request.callID)])],
            audit: AuditDraft(
                actor: agent.accountID, role: agent.role.rawValue, channel: Channel.hotline.rawValue,
                target: "hotline:\(request.callID)", detail: "call_outcome \(linked.sorted().joined(separator: ","))"))
        return try await publish(request.callID)
    }

    func listCalls(_ request: Fawang_Hotline_V1_ListCallsRequest) async throws -> Fawang_Hotline_V1_ListCallsResponse {
        let agent = try Self.agent(Principal.current)
        var check = FieldValidator()
        let day = request.day.isEmpty ? CivilDate(context.now()) : CivilDate(strictISO: request.day)
        check.require(day != nil, "day", "日期应为 YYYY-MM-DD")
        check.require(request.state.isEmpty || Self.stateLabels[request.state] != nil, "state", "状态应为 offered、answered、ended 或 abandoned")
        try check.check()
        var sql = "SELECT * FROM hotline_calls WHERE day = ?"
        var values: [SQLValue] = [.text(day!.description)]
        if !request.agent.isEmpty { sql += " AND agent = ?"; values.append(.text(request.agent)) }
        if !request.state.isEmpty { sql += " AND state = ?"; values.append(.text(request.state)) }
        let rows = try await storage.query(SQLStatement(sql + " ORDER BY offered_at DESC LIMIT 500", values))
            .filter { agent.role == .platformAdmin || DivisionCode.contains(agent.regionCode, $0.string("region_code") ?? "") }
        return .with {
            $0.calls = rows.map { Self.call($0, full: false) }
            $0.offered = UInt32(rows.count)
            $0.answered = UInt32(rows.filter { $0.real("answered_at") != nil }.count)
            $0.abandoned = UInt32(rows.filter { $0.string("state") == "abandoned" }.count)
            $0.afterHours = UInt32(rows.filter { $0.int("after_hours") == 1 }.count)
        }
    }

    // MARK: Pieces

    private func call(_ id: String) async throws -> SQLRow? {
        try await storage.query(SQLStatement("SELECT * FROM hotline_calls WHERE call_id = ?", [.text(id)])).first
    }

    /// The call as stored now, told to every desk watching.
    private func publish(_ id: String) async throws -> Fawang_Hotline_V1_Call {
        guard let row = try await call(id) else { throw FawangError(.internalError, "call \(id) vanished after its write") }
        let call = Self.call(row, full: true)
        changes.notify(call)
        return call
    }

    /// Who reports calls: the call centre's account or hotline staff.
    static func reporter(_ principal: Principal?) throws(FawangError) -> Principal {
        guard let principal else { throw FawangError(.unauthenticated, "请先登录") }
        return principal
    }

    /// An agent: an account bound to the hotline, or staff and admins of the hotline department.
    static func agent(_ principal: Principal?) throws(FawangError) -> Principal {
        guard let principal else { throw FawangError(.unauthenticated, "请先登录") }
        let hotlineStaff = principal.department.isEmpty || principal.department == HotlinePlugin.moduleID
        guard principal.channel == .hotline || principal.role == .platformAdmin || hotlineStaff else {
            throw FawangError(.permissionDenied, "本账号不是12348热线坐席，不能使用坐席工作台")
        }
        return principal
    }

    static func masked(_ number: String) -> String {
        number.count >= 7 ? String(number.prefix(3)) + String(repeating: "*", count: number.count - 7) + String(number.suffix(4)) : number
    }

    static func call(_ row: SQLRow, full: Bool) -> Fawang_Hotline_V1_Call {
        func stamp(_ column: String) -> Google_Protobuf_Timestamp? {
            row.real(column).map { Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: $0)) }
        }
        let offered = row.real("offered_at") ?? 0
        let answered = row.real("answered_at")
        let ended = row.real("ended_at")
        let number = row.string("caller_number") ?? ""
        return .with {
            $0.callID = row.string("call_id") ?? ""
            $0.line = row.string("line") ?? ""
            $0.callerNumber = full ? number : masked(number)
            $0.agent = row.string("agent") ?? ""
            $0.state = row.string("state") ?? ""
            $0.stateLabel = stateLabels[$0.state] ?? $0.state
            if let at = stamp("offered_at") { $0.offeredAt = at }
            if let at = stamp("answered_at") { $0.answeredAt = at }
            if let at = stamp("ended_at") { $0.endedAt = at }
            $0.afterHours = row.int("after_hours") == 1
            $0.outcome = row.string("outcome") ?? ""
            $0.trackingNumbers = (row.string("tracking_numbers") ?? "").split(separator: ",").map(String.init)
            $0.callbackTrackingNumber = row.string("callback_tracking") ?? ""
            $0.regionCode = row.string("region_code") ?? ""
            $0.waitSeconds = UInt32(max(0, ((answered ?? ended ?? offered) - offered).rounded()))
            if let answered { $0.talkSeconds = UInt32(max(0, ((ended ?? answered) - answered).rounded())) }
        }
    }
}

/// The desks watching calls on this host.
final class DeskChanges: Sendable {
    private let watchers = Mutex<[UUID: AsyncStream<Fawang_Hotline_V1_Call>.Continuation]>([:])

    func watch() -> (UUID, AsyncStream<Fawang_Hotline_V1_Call>) {
        let (stream, continuation) = AsyncStream<Fawang_Hotline_V1_Call>.makeStream(bufferingPolicy: .bufferingNewest(32))
        let id = UUID()
        watchers.withLock { $0[id] = continuation }
        return (id, stream)
    }

    func stop(_ id: UUID) {
        watchers.withLock { $0.removeValue(forKey: id) }?.finish()
    }

    func notify(_ call: Fawang_Hotline_V1_Call) {
        for watcher in watchers.withLock({ Array($0.values) }) { watcher.yield(call) }
    }
}
