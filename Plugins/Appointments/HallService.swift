import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf
import Synchronization

/// `fawang.appointment.v1.HallService`: the walk-in hall's queue (实体大厅取号叫号) of a service
/// centre, in the appointments module because a checked-in booking is served first.
///
/// Each change is one statement: a ticket's number is taken inside its INSERT, and `CallNext`
/// picks and claims the next ticket in one UPDATE, so two windows never call the same ticket.
struct HallService: Sendable {
    let context: PluginContext
    let changes: HallChanges

    typealias Method = Fawang_Appointment_V1_HallService.Method

    static let rpcs = RPCTable<HallService>([
        RPC(Method.SetWindow.descriptor, .handlers, verb: "set-window", help: "设置窗口办理的事项", argument: "window",
            aliases: ["office": "office_id", "service": "services"], HallService.setWindow),
        RPC(Method.TakeTicket.descriptor, .anyone, verb: "take-ticket", help: "取号（预约人凭预约号和手机号后四位优先）", argument: "service",
            aliases: ["office": "office_id", "booking": "booking_number"], HallService.takeTicket),
        RPC(Method.CallNext.descriptor, .handlers, verb: "call-next", help: "叫下一位", argument: "window", aliases: ["office": "office_id"],
            HallService.callNext),
        RPC(Method.Recall.descriptor, .handlers, verb: "recall", help: "重新呼叫", argument: "ticket_id", HallService.recall),
        RPC(Method.Skip.descriptor, .handlers, verb: "skip", help: "过号", argument: "ticket_id", HallService.skip),
        RPC(Method.Finish.descriptor, .handlers, verb: "finish", help: "办结（--tracking 记入所办事项的办理记录）", argument: "ticket_id",
            aliases: ["tracking": "tracking_number"], HallService.finish),
        RPC(Method.Transfer.descriptor, .handlers, verb: "transfer", help: "转到其他事项的队列（保留取号先后）", argument: "ticket_id",
            HallService.transfer),
        RPC(Method.GetHall.descriptor, .anyone, verb: "hall", help: "大厅排队和叫号情况", argument: "office_id", rateLimited: false, HallService.getHall),
        RPC(Method.WatchHall.descriptor, .anyone, help: "叫号屏：大厅情况有变化即推送", stream: HallService.watchHall),
    ])

    static let migration = StorageMigration(id: "v2-hall", statements: [
        """
        CREATE TABLE appointments_windows (
            office_id TEXT NOT NULL,
            window TEXT NOT NULL,
            services TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            PRIMARY KEY (office_id, window)
        )
        """,
        """
        CREATE TABLE appointments_tickets (
            id TEXT PRIMARY KEY,
            office_id TEXT NOT NULL,
            day TEXT NOT NULL,
            seq INTEGER NOT NULL,
            service TEXT NOT NULL,
            status TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            booking_number TEXT NOT NULL DEFAULT '',
            window TEXT NOT NULL DEFAULT '',
            calls INTEGER NOT NULL DEFAULT 0,
            issued_at REAL NOT NULL,
            called_at REAL,
            finished_at REAL,
            last_write TEXT NOT NULL,
            UNIQUE (office_id, day, seq)
        )
        """,
        "CREATE INDEX appointments_tickets_waiting ON appointments_tickets (office_id, day, status, priority, seq)",
    ])

    /// The matter a visit is about, and the operator who called it.
    static let ticketMatters = StorageMigration(id: "v3-ticket-matters", statements: [
        "ALTER TABLE appointments_tickets ADD COLUMN tracking_number TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE appointments_tickets ADD COLUMN operator_id TEXT NOT NULL DEFAULT ''",
    ])

    var storage: any ModuleStorage { context.storage }
    var today: String { CivilDate(context.now()).description }
    var clock: Double { context.now().timeIntervalSince1970 }

    // MARK: Windows and tickets

    func setWindow(_ request: Fawang_Appointment_V1_SetWindowRequest) async throws -> Fawang_Appointment_V1_Window {
        let handling = try MatterSteps.validate(request.context) { check in
            check.requireText(request.window, "window", label: "窗口名称", maxLength: 20)
            check.require((1...20).contains(request.services.count), "services", "请填写窗口办理的1至20个事项（事项类型，如 legal-aid.application）")
            for (index, service) in request.services.enumerated() where context.modules.module(forMatterType: service) == nil {
                check.fail("services[\(index)]", "没有事项类型 \(service)")
            }
        }
        let office = try await requireOffice(request.officeID)
        try requireStaff(office, services: request.services)
        try await storage.execute(
            [SQLStatement(
                """
                INSERT INTO appointments_windows (office_id, window, services, updated_by) VALUES (?, ?, ?, ?)
                ON CONFLICT (office_id, window) DO UPDATE SET services = excluded.services, updated_by = excluded.updated_by
                """,
                [.text(office.id), .text(request.window), .text(request.services.joined(separator: ",")), .text(handling.actor)])],
            audit: audit(handling, "hall:\(office.id):\(request.window)", "window set: \(request.services.joined(separator: ","))"))
        changes.notify(office.id)
        return .with {
            $0.officeID = office.id
            $0.window = request.window
            $0.services = request.services
        }
    }

    func takeTicket(_ request: Fawang_Appointment_V1_TakeTicketRequest) async throws -> Fawang_Appointment_V1_Ticket {
        let handling = try MatterSteps.validate(request.context, applicant: true) { check in
            check.requireText(request.service, "service", label: "办理事项", maxLength: 100)
            if !request.bookingNumber.isEmpty {
                check.require(request.phoneLast4.count == 4 && request.phoneLast4.allSatisfy(\.isNumber), "phone_last4", "凭预约取号请填写预约手机号后四位")
            }
        }
        let office = try await requireOffice(request.officeID)
        guard context.modules.module(forMatterType: request.service) != nil else {
            throw FawangError.invalidArgument(field: "service", "没有事项类型 \(request.service)")
        }
        let (id, token, today) = ("tk-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased(), UUID().uuidString, today)
        var statements: [SQLStatement] = []
        var priority = 0
        var tracking = ""
        if !request.bookingNumber.isEmpty {
            // A booking of today here for this service, proven by the phone digits: checked in now, served first.
            let rows = try await storage.query(SQLStatement(
                """
                SELECT b.status, b.phone, b.tracking_number, s.office_id, s.service, s.day FROM appointments_bookings b
                JOIN appointments_slots s ON s.id = b.slot_id WHERE b.number = ?
                """, [.text(request.bookingNumber)]))
            guard let row = rows.first, PhoneNumber.lastFour(row.string("phone") ?? "") == request.phoneLast4 else {
                throw FawangError.notFound("预约号或手机号后四位不正确，请核对")
            }
            guard row.string("office_id") == office.id, row.string("service") == request.service, row.string("day") == today else {
                throw FawangError.failedPrecondition("该预约不是今天在本中心办理此事项的预约，请按普通取号")
            }
            guard ["booked", "checked_in"].contains(row.string("status") ?? "") else {
                throw FawangError.failedPrecondition("该预约已取消或已改约，请按普通取号")
            }
            // One priority ticket per booking.
            if let earlier = try await storage.query(SQLStatement(
                "SELECT seq FROM appointments_tickets WHERE booking_number = ? AND day = ?", [.text(request.bookingNumber), .text(today)])).first
            {
                throw FawangError.failedPrecondition("该预约今天已取过号（Y\(String(format: "%03d", earlier.int("seq") ?? 0))），请留意叫号")
            }
            priority = 1
            tracking = row.string("tracking_number") ?? ""
            statements.append(SQLStatement(
                "UPDATE appointments_bookings SET status = 'checked_in', updated_at = ? WHERE number = ? AND status = 'booked'",
                [.text(AppointmentService.timestamp(context.now())), .text(request.bookingNumber)]))
        }
        statements.append(SQLStatement(
            """
            INSERT INTO appointments_tickets (id, office_id, day, seq, service, status, priority, booking_number, tracking_number, issued_at, last_write)
            SELECT ?, ?, ?, COALESCE(MAX(seq), 0) + 1, ?, 'waiting', ?, ?, ?, ?, ? FROM appointments_tickets WHERE office_id = ? AND day = ?
            HAVING ? = '' OR NOT EXISTS (SELECT 1 FROM appointments_tickets WHERE booking_number = ? AND day = ?)
            """,
            [
                .text(id), .text(office.id), .text(today), .text(request.service), .integer(Int64(priority)), .text(request.bookingNumber),
                .text(tracking), .real(clock), .text(token), .text(office.id), .text(today), .text(request.bookingNumber), .text(request.bookingNumber), .text(today),
            ]))
        try await storage.execute(statements, audit: audit(handling, "hall:\(office.id):\(id)", "ticket taken: \(request.service)"))
        guard try await storage.query(SQLStatement("SELECT 1 AS found FROM appointments_tickets WHERE id = ?", [.text(id)])).first != nil else {
            // A second kiosk took this booking's ticket at the same moment.
            throw FawangError.failedPrecondition("该预约今天已取过号，请留意叫号")
        }
        changes.notify(office.id)
        return try await ticket(id)
    }

    func callNext(_ request: Fawang_Appointment_V1_CallNextRequest) async throws -> Fawang_Appointment_V1_Ticket {
        let handling = try MatterSteps.validate(request.context) { check in
            check.requireText(request.window, "window", label: "窗口名称", maxLength: 20)
        }
        let office = try await requireOffice(request.officeID)
        guard let window = try await storage.query(SQLStatement(
            "SELECT services FROM appointments_windows WHERE office_id = ? AND window = ?", [.text(office.id), .text(request.window)])).first
        else {
            throw FawangError.failedPrecondition("\(office.name)没有“\(request.window)”，请先设置窗口办理的事项")
        }
        let services = (window.string("services") ?? "").split(separator: ",").map(String.init)
        try requireStaff(office, services: services)
        let token = UUID().uuidString
        let marks = Array(repeating: "?", count: services.count).joined(separator: ", ")
        // Pick and claim in one statement: priority first, then by the time taken.
        try await storage.execute(
            [SQLStatement(
                """
                UPDATE appointments_tickets SET status = 'called', window = ?, operator_id = ?, calls = 1, called_at = ?, last_write = ?
                WHERE id = (SELECT id FROM appointments_tickets WHERE office_id = ? AND day = ? AND status = 'waiting'
                    AND service IN (\(marks)) ORDER BY priority DESC, seq LIMIT 1)
                """,
                [.text(request.window), .text(handling.actor), .real(clock), .text(token), .text(office.id), .text(today)] + services.map { .text($0) })],
            audit: audit(handling, "hall:\(office.id):\(request.window)", "call next"))
        guard let row = try await storage.query(SQLStatement("SELECT id FROM appointments_tickets WHERE last_write = ?", [.text(token)])).first else {
            throw FawangError.failedPrecondition("\(request.window)办理的事项暂无等候的群众")
        }
        changes.notify(office.id)
        return try await ticket(row.string("id") ?? "")
    }

    func recall(_ request: Fawang_Appointment_V1_TicketRequest) async throws -> Fawang_Appointment_V1_Ticket {
        try await step(request.ticketID, request.context, from: ["called"], set: "calls = calls + 1, called_at = called_at", [], "recall")
    }

    func skip(_ request: Fawang_Appointment_V1_TicketRequest) async throws -> Fawang_Appointment_V1_Ticket {
        try await step(request.ticketID, request.context, from: ["called"], set: "status = 'skipped', finished_at = ?", [.real(clock)], "skip")
    }

    /// Done; with the matter it was for (given, or the checked-in booking's), whose timeline
    /// records the visit in the same transaction as the ticket.
    func finish(_ request: Fawang_Appointment_V1_TicketRequest) async throws -> Fawang_Appointment_V1_Ticket {
        var given: TrackingNumber?
        let handling = try MatterSteps.validate(request.context) { check in
            if !request.trackingNumber.isEmpty { given = check.trackingNumber(request.trackingNumber) }
        }
        let row = try await storage.query(SQLStatement("SELECT * FROM appointments_tickets WHERE id = ?", [.text(request.ticketID)])).first
        guard let tracking = given ?? row.flatMap({ TrackingNumber($0.string("tracking_number") ?? "") }), let row else {
            return try await step(request.ticketID, request.context, from: ["called"], set: "status = 'done', finished_at = ?", [.real(clock)], "finish")
        }
        let office = try await requireOffice(row.string("office_id") ?? "")
        try requireStaff(office, services: [row.string("service") ?? ""])
        let ticket = proto(row, ahead: 0), principal = Principal.current, named = given != nil
        let finish = SQLStatement(
            "UPDATE appointments_tickets SET status = 'done', finished_at = ?, tracking_number = ?, last_write = ? WHERE id = ? AND status = 'called'",
            [.real(clock), .text(tracking.digits), .text(UUID().uuidString), .text(ticket.id)],
            unlessChanged: "该号码当前为「\(Self.label(ticket.status))」，不能再办理此操作")
        let event = MatterEventDraft(
            kind: PlatformEvent.servedAtWindow, actor: handling.actor, channel: handling.channel,
            note: "\(office.name)\(ticket.window)（\(ticket.number)号）", attributes: ["ticket": ticket.id, "window": ticket.window, "office": office.id])
        let entry = audit(handling, "hall:\(office.id):\(ticket.id)", "finish for \(tracking.digits)")
        _ = try await context.matters.update(trackingNumber: tracking, at: context.now()) { matter in
            // A matter the operator names must be one they handle; the checked-in booking's was
            // linked by the booker.
            guard !named || principal?.mayHandle(businessLine: matter.businessLine, regionCode: matter.regionCode) == true else {
                throw FawangError(.permissionDenied, "受理编号 \(tracking) 的事项不在本账号的办理范围内（地区或业务条线），不能记入窗口办理")
            }
            var change = MatterChange(events: [event])
            change.companion = CompanionWrite(module: AppointmentsPlugin.moduleID, audit: entry) { _ in [finish] }
            return change
        }
        changes.notify(office.id)
        return try await self.ticket(ticket.id)
    }

    func transfer(_ request: Fawang_Appointment_V1_TransferTicketRequest) async throws -> Fawang_Appointment_V1_Ticket {
        guard context.modules.module(forMatterType: request.service) != nil else {
            throw FawangError.invalidArgument(field: "service", "没有事项类型 \(request.service)")
        }
        return try await step(
            request.ticketID, request.context, from: ["called", "waiting"],
            set: "status = 'waiting', service = ?, window = '', called_at = NULL", [.text(request.service)], "transfer to \(request.service)")
    }

    // MARK: The hall

    func getHall(_ request: Fawang_Appointment_V1_GetHallRequest) async throws -> Fawang_Appointment_V1_HallState {
        let office = try await requireOffice(request.officeID)
        let rows = try await storage.query(SQLStatement(
            "SELECT * FROM appointments_tickets WHERE office_id = ? AND day = ? ORDER BY seq", [.text(office.id), .text(today)]))
        var queues: [String: Fawang_Appointment_V1_ServiceQueue] = [:]
        // Every service a window handles has its queue, empty or not (the kiosk's buttons).
        for window in try await storage.query(SQLStatement("SELECT services FROM appointments_windows WHERE office_id = ?", [.text(office.id)])) {
            for service in (window.string("services") ?? "").split(separator: ",").map(String.init) where queues[service] == nil {
                queues[service] = .with {
                    $0.service = service
                    $0.serviceName = serviceName(service)
                }
            }
        }
        var waits: [String: [Double]] = [:], services: [String: [Double]] = [:]
        for row in rows {
            let service = row.string("service") ?? ""
            var queue = queues[service] ?? .with {
                $0.service = service
                $0.serviceName = serviceName(service)
            }
            let issued = row.real("issued_at") ?? 0
            switch row.string("status") {
            case "waiting": queue.waiting += 1
            case "done":
                queue.served += 1
                if let called = row.real("called_at"), let finished = row.real("finished_at") { services[service, default: []].append(finished - called) }
            default: break
            }
            if let called = row.real("called_at") { waits[service, default: []].append(called - issued) }
            queues[service] = queue
        }
        func minutes(_ values: [Double]?) -> Double {
            guard let values, !values.isEmpty else { return 0 }
            return (values.reduce(0, +) / Double(values.count) / 60 * 10).rounded() / 10
        }
        let calling = rows.filter { $0.real("called_at") != nil && ["called", "done", "skipped"].contains($0.string("status") ?? "") }
            .sorted { ($0.real("called_at") ?? 0) > ($1.real("called_at") ?? 0) }.prefix(6)
        return .with {
            $0.officeID = office.id
            $0.officeName = office.name
            $0.day = today
            // The display is public: who booked, for which matter and who called stay off it.
            $0.calling = calling.map { row in
                var ticket = proto(row, ahead: 0)
                ticket.bookingNumber = ""
                ticket.trackingNumber = ""
                ticket.operatorID = ""
                return ticket
            }
            $0.queues = queues.values.sorted { $0.service < $1.service }.map { queue in
                var queue = queue
                queue.averageWaitMinutes = minutes(waits[queue.service])
                queue.averageServiceMinutes = minutes(services[queue.service])
                return queue
            }
        }
    }

    /// The hall's state now, then again after every change, until the display goes.
    func watchHall(_ request: Fawang_Appointment_V1_GetHallRequest, _ writer: RPCWriter<Fawang_Appointment_V1_HallState>) async throws {
        let office = try await requireOffice(request.officeID)
        let (id, stream) = changes.watch(office.id)
        defer { changes.stop(id) }
        try await writer.write(try await getHall(request))
        for await _ in stream {
            try await writer.write(try await getHall(request))
        }
    }

    // MARK: Pieces

    private func step(
        _ id: String, _ channel: Fawang_Matter_V1_ChannelContext, from states: [String], set: String, _ values: [SQLValue], _ what: String
    ) async throws -> Fawang_Appointment_V1_Ticket {
        let handling = try MatterSteps.validate(channel) { check in check.requireText(id, "ticket_id", label: "号码编号", maxLength: 20) }
        guard let row = try await storage.query(SQLStatement("SELECT * FROM appointments_tickets WHERE id = ?", [.text(id)])).first else {
            throw FawangError.notFound("没有编号为 \(id) 的号码")
        }
        let office = try await requireOffice(row.string("office_id") ?? "")
        try requireStaff(office, services: [row.string("service") ?? ""])
        let token = UUID().uuidString
        let marks = states.map { "'\($0)'" }.joined(separator: ", ")
        try await storage.execute(
            [SQLStatement(
                "UPDATE appointments_tickets SET \(set), last_write = ? WHERE id = ? AND status IN (\(marks))",
                values + [.text(token), .text(id)])],
            audit: audit(handling, "hall:\(office.id):\(id)", what))
        let after = try await storage.query(SQLStatement("SELECT last_write, status FROM appointments_tickets WHERE id = ?", [.text(id)])).first
        guard after?.string("last_write") == token else {
            throw FawangError.failedPrecondition("该号码当前为「\(Self.label(after?.string("status") ?? ""))」，不能再办理此操作")
        }
        changes.notify(office.id)
        return try await ticket(id)
    }

    private func ticket(_ id: String) async throws -> Fawang_Appointment_V1_Ticket {
        guard let row = try await storage.query(SQLStatement("SELECT * FROM appointments_tickets WHERE id = ?", [.text(id)])).first else {
            throw FawangError.notFound("没有编号为 \(id) 的号码")
        }
        let ahead = try await storage.query(SQLStatement(
            """
            SELECT COUNT(*) AS n FROM appointments_tickets WHERE office_id = ? AND day = ? AND service = ? AND status = 'waiting'
            AND (priority > ? OR (priority = ? AND seq < ?))
            """,
            [
                .text(row.string("office_id") ?? ""), .text(row.string("day") ?? ""), .text(row.string("service") ?? ""),
                .integer(Int64(row.int("priority") ?? 0)), .integer(Int64(row.int("priority") ?? 0)), .integer(Int64(row.int("seq") ?? 0)),
            ])).first?.int("n") ?? 0
        return proto(row, ahead: row.string("status") == "waiting" ? ahead : 0)
    }

    private func proto(_ row: SQLRow, ahead: Int) -> Fawang_Appointment_V1_Ticket {
        let priority = (row.int("priority") ?? 0) > 0
        let number = (priority ? "Y" : "A") + String(format: "%03d", row.int("seq") ?? 0)
        let window = row.string("window") ?? ""
        return .with {
            $0.id = row.string("id") ?? ""
            $0.number = number
            $0.officeID = row.string("office_id") ?? ""
            $0.service = row.string("service") ?? ""
            $0.serviceName = serviceName($0.service)
            $0.status = row.string("status") ?? ""
            $0.statusLabel = Self.label($0.status)
            $0.window = window
            $0.calls = Int32(row.int("calls") ?? 0)
            $0.priority = priority
            $0.bookingNumber = row.string("booking_number") ?? ""
            $0.trackingNumber = row.string("tracking_number") ?? ""
            $0.operatorID = row.string("operator_id") ?? ""
            $0.ahead = Int32(ahead)
            if !window.isEmpty, $0.status == "called" { $0.announcement = "请\(number)号到\(window)办理" }
        }
    }

    static func label(_ status: String) -> String {
        switch status {
        case "waiting": "等候中"
        case "called": "已叫号"
        case "done": "已办结"
        case "skipped": "已过号"
        default: status
        }
    }

    private func serviceName(_ service: String) -> String { context.modules.module(forMatterType: service)?.type.nameZH ?? service }

    private func requireOffice(_ id: String) async throws -> Organization {
        guard !id.isEmpty, let office = try await context.directory.organization(id: id) else {
            throw FawangError.invalidArgument(field: "office_id", "平台机构名录中没有编号为 \(id) 的机构")
        }
        return office
    }

    /// Staff over the office's division: the appointments desk, or a line among `services`.
    private func requireStaff(_ office: Organization, services: [String]) throws(FawangError) {
        let lines = services.compactMap { context.modules.module(forMatterType: $0)?.module.manifest.id } + [AppointmentsPlugin.moduleID]
        guard let principal = Principal.current, lines.contains(where: { principal.mayHandle(businessLine: $0, regionCode: office.regionCode) }) else {
            throw FawangError(.permissionDenied, "\(office.name)的大厅不在本账号的办理范围内（地区或业务条线）")
        }
    }

    private func audit(_ handling: Handling, _ target: String, _ detail: String) -> AuditDraft {
        AuditDraft(
            actor: handling.actor, role: Principal.current?.role.rawValue ?? "anonymous", channel: handling.channel.rawValue, target: target,
            detail: detail)
    }
}

/// Who watches which hall on this host, told of every change (one host per hall today).
final class HallChanges: Sendable {
    private let watchers = Mutex<[UUID: (office: String, continuation: AsyncStream<Void>.Continuation)]>([:])

    func watch(_ office: String) -> (UUID, AsyncStream<Void>) {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        watchers.withLock { $0[id] = (office, continuation) }
        return (id, stream)
    }

    func stop(_ id: UUID) {
        watchers.withLock { $0.removeValue(forKey: id) }?.continuation.finish()
    }

    func notify(_ office: String) {
        for watcher in watchers.withLock({ Array($0.values) }) where watcher.office == office { watcher.continuation.yield() }
    }
}
