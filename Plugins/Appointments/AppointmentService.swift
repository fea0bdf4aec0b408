import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf

/// `fawang.appointment.v1.AppointmentService`: slots, bookings, check-in and no-shows.
///
/// Exactly a slot's capacity is booked whatever the concurrency: a booking is one `INSERT … SELECT`
/// whose condition counts the places held, and the module's writes run one at a time (on
/// PostgreSQL across hosts too: ``SQLModuleStorage/hold(_:modules:)``), so the count and the insert
/// cannot be split by another booking.
struct AppointmentService: Sendable {
    let context: PluginContext

    typealias Method = Fawang_Appointment_V1_AppointmentService.Method

    static let rpcs = RPCTable<AppointmentService>([
        RPC(Method.PublishSlots.descriptor, .handlers, verb: "publish-slots", help: "开放预约时段（按工作日历跳过节假日）", argument: "office_id",
            aliases: ["office": "office_id", "from": "from_day", "to": "to_day", "period": "periods"], AppointmentService.publishSlots),
        RPC(Method.ListSlots.descriptor, .anyone, verb: "slots", help: "查看可预约时段", argument: "office_id",
            aliases: ["office": "office_id", "region": "region_code", "from": "from_day", "to": "to_day"], rateLimited: false,
            AppointmentService.listSlots),
        RPC(Method.Book.descriptor, .anyone, verb: "book", help: "预约（凭手机号后四位取消或改约；--file 请求.json 可带 application 随预约提交申请）", argument: "slot_id",
            aliases: ["slot": "slot_id", "tracking": "tracking_number"], AppointmentService.book),
        RPC(Method.GetBooking.descriptor, .anyone, verb: "show", help: "查看预约（预约号 + 手机号后四位）", argument: "number",
            aliases: ["phone-last4": "phone_last4"], AppointmentService.getBooking),
        RPC(Method.CancelBooking.descriptor, .anyone, verb: "cancel", help: "取消预约（预约号 + 手机号后四位）", argument: "number",
            AppointmentService.cancelBooking),
        RPC(Method.Reschedule.descriptor, .anyone, verb: "reschedule", help: "改约到同一机构同一事项的其他时段", argument: "number",
            aliases: ["slot": "slot_id"], AppointmentService.reschedule),
        RPC(Method.CheckIn.descriptor, .handlers, verb: "check-in", help: "预约人已到场", argument: "number", AppointmentService.checkIn),
        RPC(Method.FindBookings.descriptor, .handlers, verb: "find", help: "按手机号查找预约（本辖区）", argument: "phone", AppointmentService.findBookings),
        RPC(Method.RecordNoShow.descriptor, .handlers, verb: "no-show", help: "预约人未到场（失约）", argument: "number",
            AppointmentService.recordNoShow),
    ])

    var storage: any ModuleStorage { context.storage }

    // MARK: Slots

    func publishSlots(_ request: Fawang_Appointment_V1_PublishSlotsRequest) async throws -> Fawang_Appointment_V1_PublishSlotsResponse {
        let today = CivilDate(context.now())
        var (from, to): (CivilDate?, CivilDate?) = (nil, nil)
        var periods: [String] = []
        let handling = try MatterSteps.validate(request.context) { check in
            check.requireText(request.officeID, "office_id", label: "机构编号", maxLength: 64)
            check.requireText(request.service, "service", label: "预约事项（事项类型，如 legal-aid.application）", maxLength: 100)
            from = CivilDate(strictISO: request.fromDay)
            to = CivilDate(strictISO: request.toDay)
            check.require(from.map { $0 >= today } ?? false, "from_day", "请按YYYY-MM-DD填写开始日期，不能早于今天（\(today)）")
            if let from {
                check.require(to.map { $0 >= from && $0 <= from.adding(days: 62) } ?? false, "to_day", "请按YYYY-MM-DD填写结束日期，不早于开始日期且不超过62天")
            }
            check.require((1...6).contains(request.periods.count), "periods", "请填写1至6个时段，如 09:00-12:00")
            for (index, text) in request.periods.enumerated() {
                if let period = AppointmentRows.period(text) { periods.append(period) } else {
                    check.fail("periods[\(index)]", "时段应写作 HH:MM-HH:MM，开始早于结束，如 09:00-12:00")
                }
            }
            check.require((1...200).contains(request.capacity), "capacity", "每个时段可预约人数应在1至200之间")
        }
        let (office, service) = try await officeAndService(request.officeID, request.service)
        let principal = try requireStaff(for: office, service: service.module.manifest.id)
        let days = AppointmentRows.workingDays(from: from!, to: to!, calendar: context.deadlines.calendar)
        let before = Set(try await slots(office: office.id, service: request.service, from: from!, to: to!).map(\.id))
        try await storage.execute(
            days.open.flatMap { day in
                periods.map { AppointmentRows.insertSlot(office: office, service: request.service, day: day, period: $0, capacity: Int(request.capacity), by: handling.actor) }
            },
            audit: AuditDraft(
                actor: handling.actor, role: principal.role.rawValue, channel: handling.channel.rawValue,
                target: "appointments:\(office.id):\(request.service)", detail: "slots_published \(from!)…\(to!) \(periods.joined(separator: ","))"))
        let opened = try await slots(office: office.id, service: request.service, from: from!, to: to!).filter { !before.contains($0.id) }
        return .with {
            $0.opened = opened
            $0.skippedDays = days.skipped
        }
    }

    func listSlots(_ request: Fawang_Appointment_V1_ListSlotsRequest) async throws -> Fawang_Appointment_V1_ListSlotsResponse {
        let today = CivilDate(context.now())
        var check = FieldValidator()
        if !request.regionCode.isEmpty { check.divisionCode(request.regionCode) }
        let from = request.fromDay.isEmpty ? today : CivilDate(strictISO: request.fromDay)
        check.require(from != nil, "from_day", "日期应写作YYYY-MM-DD")
        let to = request.toDay.isEmpty ? from.map { $0.adding(days: 14) } : CivilDate(strictISO: request.toDay)
        check.require(to != nil, "to_day", "日期应写作YYYY-MM-DD")
        if let from, let to { check.require(to >= from && to <= from.adding(days: 92), "to_day", "结束日期不早于开始日期，且查询范围不超过92天") }
        try check.check()
        var conditions = ["s.day >= ?", "s.day <= ?"]
        var arguments: [SQLValue] = [.text(from!.description), .text(to!.description)]
        if !request.officeID.isEmpty {
            conditions.append("s.office_id = ?")
            arguments.append(.text(request.officeID))
        }
        if !request.regionCode.isEmpty {
            conditions.append("s.region_code LIKE ?")
            arguments.append(.text(DivisionCode.scopePrefix(of: request.regionCode) + "%"))
        }
        if !request.service.isEmpty {
            conditions.append("s.service = ?")
            arguments.append(.text(request.service))
        }
        if !request.slotID.isEmpty {
            (conditions, arguments) = (["s.id = ?"], [.text(request.slotID)])
        }
        var slots = try await storage.query(SQLStatement(AppointmentRows.slotQuery(conditions.joined(separator: " AND ")), arguments)).map(proto)
        if request.availableOnly { slots = slots.filter { $0.remaining > 0 } }
        return .with { $0.slots = slots }
    }

    // MARK: Bookings

    func book(_ request: Fawang_Appointment_V1_BookRequest) async throws -> Fawang_Appointment_V1_BookResponse {
        var tracking: TrackingNumber?
        let filing = request.hasApplication
        let handling = try MatterSteps.validate(request.context, applicant: true) { check in
            check.requestID(request.requestID)
            check.requireText(request.slotID, "slot_id", label: "预约时段", maxLength: 64)
            if filing {
                // Name and phone default to the application's applicant.
                check.require(request.name.count <= 50, "name", "预约人姓名不能超过50字")
                if !request.phone.isEmpty, let problem = PhoneNumber.problem(with: request.phone) { check.fail("phone", problem) }
                check.require(request.trackingNumber.isEmpty, "tracking_number", "随预约提交新申请时不填受理编号：预约将带上新申请的受理编号")
            } else {
                check.requireText(request.name, "name", label: "预约人姓名", maxLength: 50)
                if let problem = PhoneNumber.problem(with: request.phone) { check.fail("phone", problem) } else {
                    check.require(PhoneNumber.normalized(request.phone).first == "1", "phone", "请填写手机号，用于接收预约确认和提醒短信")
                }
                if !request.trackingNumber.isEmpty { tracking = check.trackingNumber(request.trackingNumber) }
            }
        }
        var canonical = request
        canonical.requestID = ""
        let digest = RequestDigest.sha256Hex(try canonical.serializedBytes())
        if let earlier = try await bookingRow(where: "b.request_id = ?", .text(request.requestID)) {
            guard earlier.string("request_digest") == digest else {
                throw FawangError.failedPrecondition("请求编号 \(request.requestID) 已用于另一次内容不同的预约；新的预约请使用新的请求编号")
            }
            return .with {
                $0.booking = booking(earlier)
                $0.replayed = true
            }
        }
        let slot = try await openSlot(request.slotID, field: "slot_id")
        let draft = NewBooking(
            number: AppointmentRows.newNumber(), token: UUID().uuidString, requestID: request.requestID, digest: digest, slot: slot,
            channel: handling.channel, audit: audit(handling, "", ""))
        do {
            if filing {
                try await file(request, draft)
            } else {
                let phone = PhoneNumber.normalized(request.phone)
                // The visit is about the booker's own matter (one answer for unknown and not theirs):
                // its timeline records the booking.
                let notTheirs = FawangError.invalidArgument(field: "tracking_number", "未找到该受理编号的事项，或其申请人手机号与预约手机号不一致")
                if let tracking, try await context.matters.matter(trackingNumber: tracking) == nil { throw notTheirs }
                let statements = self.statements(draft, name: request.name, phone: phone, tracking: tracking?.digits ?? "")
                try await write(
                    statements, audit: draft.audit(detail: "booked \(slot.id)"), matter: tracking?.digits ?? "", event: draft.event
                ) { matter in
                    guard PhoneNumber.normalized(matter.applicant.phone) == phone else { throw notTheirs }
                }
            }
        } catch let error as FawangError where error.code == .failedPrecondition {
            // Full, unless a retry of the same request raced this one and booked.
            guard let row = try await bookingRow(where: "b.request_id = ?", .text(request.requestID)) else { throw error }
            return .with {
                $0.booking = self.booking(row)
                $0.replayed = true
            }
        }
        guard let row = try await bookingRow(where: "b.request_id = ?", .text(request.requestID)) else {
            throw FawangError(.internalError, "booking \(draft.number) was written but cannot be read")
        }
        context.logger.info("appointment booked", metadata: [
            "slot": "\(slot.id)", "channel": "\(handling.channel.rawValue)", "application": "\(filing)",
        ])
        return .with {
            $0.booking = self.booking(row)
            $0.replayed = row.string("last_write") != draft.token
        }
    }

    /// A booking being made: what its statements and audit entry need.
    struct NewBooking: Sendable {
        let number: String, token: String, requestID: String, digest: String
        let slot: Fawang_Appointment_V1_Slot
        let channel: Channel
        let audit: AuditDraft

        func audit(detail: String) -> AuditDraft {
            var entry = audit
            entry.target = "appointments:\(number)"
            entry.detail = detail
            return entry
        }

        /// The entry on the timeline of the matter the visit is about.
        var event: MatterEventDraft { AppointmentService.booked(number, slot: slot, actor: audit.actor, channel: channel) }
    }

    static func booked(_ number: String, slot: Fawang_Appointment_V1_Slot, actor: String, channel: Channel, moved: Bool = false) -> MatterEventDraft {
        MatterEventDraft(
            kind: PlatformEvent.appointmentBooked, actor: actor, channel: channel,
            note: "\(moved ? "改约为" : "预约")\(slot.day) \(slot.period)到\(slot.officeName)办理（预约号\(number)）", attributes: ["booking": number])
    }

    /// A booking's write; when the booking carries a matter, with `event` on that matter's
    /// timeline in the same transaction (after `check` accepts the matter), both or neither.
    private func write(
        _ statements: [SQLStatement], audit: AuditDraft, matter tracking: String, event: MatterEventDraft,
        check: @escaping @Sendable (Matter) throws -> Void = { _ in }
    ) async throws {
        guard !tracking.isEmpty else { return try await storage.execute(statements, audit: audit) }
        guard let number = TrackingNumber(tracking) else { throw FawangError(.internalError, "booking carries a malformed tracking number \(tracking)") }
        _ = try await context.matters.update(trackingNumber: number, at: context.now()) { matter in
            try check(matter)
            var change = MatterChange(events: [event])
            change.companion = CompanionWrite(module: AppointmentsPlugin.moduleID, audit: audit) { _ in statements }
            return change
        }
    }

    /// The booking's row, only while the slot has a place (else the transaction rolls back with
    /// why), and its confirmation and reminder.
    private func statements(_ draft: NewBooking, name: String, phone: String, tracking: String) -> [SQLStatement] {
        let now = Self.timestamp(context.now()), slot = draft.slot
        return [SQLStatement(
            """
            INSERT INTO appointments_bookings (number, request_id, request_digest, slot_id, name, phone, status, channel, tracking_number,
                created_at, updated_at, last_write)
            SELECT ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?, ?
            WHERE (SELECT COUNT(*) FROM appointments_bookings WHERE slot_id = ? AND status IN \(AppointmentRows.holding))
                < (SELECT capacity FROM appointments_slots WHERE id = ?)
            ON CONFLICT (request_id) DO NOTHING
            """,
            [
                .text(draft.number), .text(draft.requestID), .text(draft.digest), .text(slot.id), .text(name.trimmingCharacters(in: .whitespaces)),
                .text(phone), .text(draft.channel.rawValue), .text(tracking), .text(now), .text(now), .text(draft.token),
                .text(slot.id), .text(slot.id),
            ],
            unlessChanged: "该时段（\(slot.day) \(slot.period)）已约满，请选择其他时段")]
            + notices(for: draft.number, token: draft.token, phone: phone, slot: slot)
    }

    /// Files the booking's application through its line's own intake, the booking written in the
    /// new matter's transaction: both or neither. When the application had been filed before (its
    /// request id replayed), the booking carries that matter.
    private func file(_ request: Fawang_Appointment_V1_BookRequest, _ draft: NewBooking) async throws {
        guard let intakes = context.intakes else {
            throw FawangError(.unavailable, "暂不能随预约提交申请：请先在线申请，再凭受理编号预约")
        }
        let slot = draft.slot, service = slot.service
        let name = request.name.trimmingCharacters(in: .whitespaces)
        let phone = request.phone.isEmpty ? nil : PhoneNumber.normalized(request.phone)
        let types = context.modules
        let companion = CompanionWrite(
            module: AppointmentsPlugin.moduleID, audit: draft.audit(detail: "booked \(slot.id) with application"), events: [draft.event]
        ) {
            (matter: Matter) throws -> [SQLStatement] in
            guard matter.matterType == service else {
                let filed = types.module(forMatterType: matter.matterType)?.type.nameZH ?? matter.matterType
                throw FawangError.invalidArgument(field: "application", "该时段预约办理「\(slot.serviceName)」，所附申请是「\(filed)」；请提交与预约事项相同的申请")
            }
            let applicantPhone = PhoneNumber.normalized(matter.applicant.phone)
            guard applicantPhone.first == "1" else {
                throw FawangError.invalidArgument(field: "application", "预约需要申请人的手机号（接收预约确认和提醒短信），请在申请中填写手机号")
            }
            if let phone, phone != applicantPhone {
                throw FawangError.invalidArgument(field: "phone", "预约手机号应与申请人手机号一致（凭其后四位查询进度和预约）")
            }
            return self.statements(draft, name: name.isEmpty ? matter.applicant.name : name, phone: applicantPhone, tracking: matter.trackingNumber.digits)
        }
        let line = context.modules.module(forMatterType: service)?.module.manifest.id
        let (entry, response) = try await intakes.file(request.application, field: "application", module: line, companion: companion)
        guard let filed = response as? any SubmissionResponse else {
            throw FawangError(.internalError, "\(entry.method) answered \(type(of: response).protoMessageName), not a submission")
        }
        guard filed.replayed else { return }
        // Filed before (a retry after the booking was refused, say): the booking carries it.
        guard let matter = try await context.matters.matter(trackingNumber: try TrackingNumber.parse(filed.matter.trackingNumber)),
            phone == nil || PhoneNumber.normalized(matter.applicant.phone) == phone
        else {
            throw FawangError.invalidArgument(field: "phone", "预约手机号应与申请人手机号一致（凭其后四位查询进度和预约）")
        }
        let statements = self.statements(
            draft, name: name.isEmpty ? matter.applicant.name : name, phone: PhoneNumber.normalized(matter.applicant.phone),
            tracking: matter.trackingNumber.digits)
        try await write(
            statements, audit: draft.audit(detail: "booked \(slot.id) for \(matter.trackingNumber)"), matter: matter.trackingNumber.digits,
            event: draft.event)
    }

    func getBooking(_ request: Fawang_Appointment_V1_GetBookingRequest) async throws -> Fawang_Appointment_V1_Booking {
        booking(try await ownBooking(request.number, request.phoneLast4))
    }

    func cancelBooking(_ request: Fawang_Appointment_V1_CancelBookingRequest) async throws -> Fawang_Appointment_V1_Booking {
        let handling = try MatterSteps.validate(request.context, applicant: true)
        let row = try await ownBooking(request.number, request.phoneLast4)
        try requireOpen(row)
        let token = UUID().uuidString, now = Self.timestamp(context.now()), number = request.number
        let visit = "\(row.string("day") ?? "") \(row.string("period") ?? "") \(row.string("office_name") ?? "")"
        try await write(
            [
                SQLStatement(
                    "UPDATE appointments_bookings SET status = 'cancelled', updated_at = ?, last_write = ? WHERE number = ? AND status = 'booked'",
                    [.text(now), .text(token), .text(number)], unlessChanged: "该预约已不是「已预约」状态，不能取消"),
                Self.dropReminders(number),
                notice(number, kind: "cancellation", token: token, phone: row.string("phone") ?? "", due: context.now(),
                       text: "【12348宁夏法网】您的预约\(number)（\(visit)）已取消。"),
            ],
            audit: audit(handling, "appointments:\(number)", "cancelled"), matter: row.string("tracking_number") ?? "",
            event: MatterEventDraft(
                kind: PlatformEvent.appointmentCancelled, actor: handling.actor, channel: handling.channel, note: "预约号\(number)（\(visit)）已取消",
                attributes: ["booking": number]))
        return try await written(number, token: token)
    }

    func reschedule(_ request: Fawang_Appointment_V1_RescheduleRequest) async throws -> Fawang_Appointment_V1_Booking {
        let handling = try MatterSteps.validate(request.context, applicant: true) { check in
            check.requireText(request.slotID, "slot_id", label: "新的预约时段", maxLength: 64)
        }
        let old = try await ownBooking(request.number, request.phoneLast4)
        try requireOpen(old)
        let slot = try await openSlot(request.slotID, field: "slot_id")
        guard slot.officeID == old.string("office_id"), slot.service == old.string("service") else {
            throw FawangError.invalidArgument(field: "slot_id", "只能改约到同一机构同一事项的其他时段；其他机构或事项请取消后重新预约")
        }
        guard slot.id != old.string("slot_id") else { throw FawangError.invalidArgument(field: "slot_id", "新的时段与原预约相同") }
        let number = AppointmentRows.newNumber(), token = UUID().uuidString, now = Self.timestamp(context.now())
        let phone = old.string("phone") ?? ""
        var statements = [
            // The new place, only while the old booking is still open and the slot has room.
            SQLStatement(
                """
                INSERT INTO appointments_bookings (number, request_id, request_digest, slot_id, name, phone, status, channel, tracking_number,
                    created_at, updated_at, last_write)
                SELECT ?, ?, '', ?, name, phone, 'booked', ?, tracking_number, ?, ?, ?
                FROM appointments_bookings WHERE number = ? AND status = 'booked'
                    AND (SELECT COUNT(*) FROM appointments_bookings WHERE slot_id = ? AND status IN \(AppointmentRows.holding))
                        < (SELECT capacity FROM appointments_slots WHERE id = ?)
                ON CONFLICT (request_id) DO NOTHING
                """,
                [
                    .text(number), .text("reschedule:\(request.number):\(slot.id)"), .text(slot.id), .text(handling.channel.rawValue),
                    .text(now), .text(now), .text(token), .text(request.number), .text(slot.id), .text(slot.id),
                ],
                unlessChanged: "该时段（\(slot.day) \(slot.period)）已约满，原预约保持不变；请选择其他时段"),
            // The old place given back, only if the new one was taken.
            SQLStatement(
                """
                UPDATE appointments_bookings SET status = 'rescheduled', rescheduled_to = ?, updated_at = ?
                WHERE number = ? AND status = 'booked' AND EXISTS (SELECT 1 FROM appointments_bookings WHERE number = ? AND last_write = ?)
                """,
                [.text(number), .text(now), .text(request.number), .text(number), .text(token)]),
            SQLStatement(
                """
                UPDATE appointments_outbox SET sent_at = 'superseded' WHERE booking_number = ? AND kind = 'reminder' AND sent_at = ''
                AND EXISTS (SELECT 1 FROM appointments_bookings WHERE number = ? AND last_write = ?)
                """,
                [.text(request.number), .text(number), .text(token)]),
        ]
        statements += notices(for: number, token: token, phone: phone, slot: slot)
        do {
            try await write(
                statements, audit: audit(handling, "appointments:\(request.number)", "rescheduled to \(slot.id)"),
                matter: old.string("tracking_number") ?? "", event: Self.booked(number, slot: slot, actor: handling.actor, channel: handling.channel, moved: true))
        } catch let error as FawangError where error.code == .failedPrecondition {
            // Full, unless the same move raced this one and made it.
            guard let retried = try await bookingRow(where: "b.request_id = ?", .text("reschedule:\(request.number):\(slot.id)")) else { throw error }
            return booking(retried)
        }
        guard let row = try await bookingRow(where: "b.number = ?", .text(number)) else {
            throw FawangError(.internalError, "booking \(number) was written but cannot be read")
        }
        return booking(row)
    }

    func checkIn(_ request: Fawang_Appointment_V1_CheckInRequest) async throws -> Fawang_Appointment_V1_Booking {
        try await officeStep(request.number, request.context, to: .checkedIn) { day, today in
            day == today ? nil : "只能在预约当天（\(day)）登记到场"
        }
    }

    func recordNoShow(_ request: Fawang_Appointment_V1_RecordNoShowRequest) async throws -> Fawang_Appointment_V1_Booking {
        try await officeStep(request.number, request.context, to: .noShow) { day, today in
            day <= today ? nil : "预约日（\(day)）尚未到，不能登记失约"
        }
    }

    /// Bookings still open after their day were not kept: recorded as no-shows (background work).
    @discardableResult
    func recordPastNoShows() async throws -> Int {
        let today = CivilDate(context.now()).description
        let open = try await storage.query(SQLStatement(
            """
            SELECT COUNT(*) AS n FROM appointments_bookings WHERE status = 'booked'
            AND slot_id IN (SELECT id FROM appointments_slots WHERE day < ?)
            """, [.text(today)])).first?.int("n") ?? 0
        guard open > 0 else { return 0 }
        try await storage.execute([SQLStatement(
            """
            UPDATE appointments_bookings SET status = 'no_show', updated_at = ?
            WHERE status = 'booked' AND slot_id IN (SELECT id FROM appointments_slots WHERE day < ?)
            """, [.text(Self.timestamp(context.now())), .text(today)])])
        context.logger.info("appointments not kept recorded as no-shows", metadata: ["count": "\(open)"])
        return open
    }

    // MARK: Pieces

    private func officeStep(
        _ number: String, _ channel: Fawang_Matter_V1_ChannelContext, to status: AppointmentRows.Status, _ when: (CivilDate, CivilDate) -> String?
    ) async throws -> Fawang_Appointment_V1_Booking {
        let handling = try MatterSteps.validate(channel) { check in check.requireText(number, "number", label: "预约号", maxLength: 20) }
        guard let row = try await bookingRow(where: "b.number = ?", .text(number)) else { throw FawangError.notFound("没有预约号为 \(number) 的预约") }
        let service = row.string("service") ?? ""
        let office = Organization(
            id: row.string("office_id") ?? "", kind: "", name: row.string("office_name") ?? "", regionCode: row.string("region_code") ?? "",
            businessLine: "", phone: "", address: "")
        _ = try requireStaff(for: office, service: context.modules.module(forMatterType: service)?.module.manifest.id ?? "")
        try requireOpen(row, past: true)
        let day = CivilDate(strictISO: row.string("day") ?? "") ?? CivilDate(context.now())
        if let problem = when(day, CivilDate(context.now())) { throw FawangError.failedPrecondition(problem) }
        let token = UUID().uuidString
        try await storage.execute(
            [
                SQLStatement(
                    "UPDATE appointments_bookings SET status = ?, updated_at = ?, last_write = ? WHERE number = ? AND status = 'booked'",
                    [.text(status.rawValue), .text(Self.timestamp(context.now())), .text(token), .text(number)]),
                Self.dropReminders(number),
            ],
            audit: audit(handling, "appointments:\(number)", status.rawValue))
        return try await written(number, token: token)
    }

    /// The booking after a guarded write: this write's result, or why it did not apply.
    private func written(_ number: String, token: String) async throws -> Fawang_Appointment_V1_Booking {
        guard let row = try await bookingRow(where: "b.number = ?", .text(number)) else { throw FawangError.notFound("没有预约号为 \(number) 的预约") }
        guard row.string("last_write") == token else {
            let status = AppointmentRows.Status(rawValue: row.string("status") ?? "")
            throw FawangError.failedPrecondition("该预约当前为「\(status?.label ?? "")」，不能再办理此操作")
        }
        return booking(row)
    }

    private func requireOpen(_ row: SQLRow, past: Bool = false) throws(FawangError) {
        let status = AppointmentRows.Status(rawValue: row.string("status") ?? "") ?? .booked
        guard status == .booked else { throw FawangError.failedPrecondition("该预约当前为「\(status.label)」，不能再办理此操作") }
        if !past, let day = row.string("day"), day < CivilDate(context.now()).description {
            throw FawangError.failedPrecondition("预约日（\(day)）已过，不能取消或改约")
        }
    }

    /// The booking proven by its number and the phone's last four digits (one answer for both wrong).
    private func ownBooking(_ number: String, _ last4: String) async throws -> SQLRow {
        var check = FieldValidator()
        check.requireText(number, "number", label: "预约号", maxLength: 20)
        check.require(last4.count == 4 && last4.allSatisfy(\.isNumber), "phone_last4", "请填写预约手机号的后四位")
        try check.check()
        guard let row = try await bookingRow(where: "b.number = ?", .text(number)), PhoneNumber.lastFour(row.string("phone") ?? "") == last4 else {
            throw FawangError.notFound("预约号或手机号后四位不正确，请核对")
        }
        return row
    }

    private func bookingRow(where condition: String, _ value: SQLValue) async throws -> SQLRow? {
        try await bookingRows(where: condition, value).first
    }

    private func bookingRows(where condition: String, _ value: SQLValue) async throws -> [SQLRow] {
        try await storage.query(SQLStatement(
            """
            SELECT b.*, s.office_id, s.office_name, s.region_code, s.service, s.day, s.period, s.capacity,
                (SELECT COUNT(*) FROM appointments_bookings x WHERE x.slot_id = s.id AND x.status IN \(AppointmentRows.holding)) AS booked
            FROM appointments_bookings b JOIN appointments_slots s ON s.id = b.slot_id WHERE \(condition)
            """, [value]))
    }

    func findBookings(_ request: Fawang_Appointment_V1_FindBookingsRequest) async throws -> Fawang_Appointment_V1_FindBookingsResponse {
        if let problem = PhoneNumber.problem(with: request.phone) { throw FawangError.invalidArgument(field: "phone", problem) }
        guard let principal = Principal.current else { throw FawangError(.unauthenticated, "请先登录") }
        let rows = try await bookingRows(where: "b.phone = ? ORDER BY b.created_at DESC LIMIT 100", .text(PhoneNumber.normalized(request.phone)))
            .filter { principal.role == .platformAdmin || DivisionCode.contains(principal.regionCode, $0.string("region_code") ?? "") }
        return .with { $0.bookings = rows.prefix(20).map(booking) }
    }

    private func booking(_ row: SQLRow) -> Fawang_Appointment_V1_Booking {
        let status = AppointmentRows.Status(rawValue: row.string("status") ?? "") ?? .booked
        var slotRow = row
        slotRow.values["id"] = row.values["slot_id"]
        return .with {
            $0.number = row.string("number") ?? ""
            $0.slot = proto(slotRow)
            $0.nameMasked = PersonName.masked(row.string("name") ?? "")
            $0.status = status.proto
            $0.statusLabel = status.label
            $0.channel = Channel(rawValue: row.string("channel") ?? "").map { Fawang_Matter_V1_Channel($0) } ?? .unspecified
            $0.trackingNumber = row.string("tracking_number") ?? ""
            $0.rescheduledTo = row.string("rescheduled_to") ?? ""
        }
    }

    private func proto(_ row: SQLRow) -> Fawang_Appointment_V1_Slot {
        AppointmentRows.slot(row) { context.modules.module(forMatterType: $0)?.type.nameZH ?? $0 }
    }

    private func slots(office: String, service: String, from: CivilDate, to: CivilDate) async throws -> [Fawang_Appointment_V1_Slot] {
        try await storage.query(SQLStatement(
            AppointmentRows.slotQuery("s.office_id = ? AND s.service = ? AND s.day >= ? AND s.day <= ?"),
            [.text(office), .text(service), .text(from.description), .text(to.description)])).map(proto)
    }

    /// A slot that can still be booked: it exists, its day has not passed, its line serves there.
    private func openSlot(_ id: String, field: String) async throws -> Fawang_Appointment_V1_Slot {
        guard let row = try await storage.query(SQLStatement(AppointmentRows.slotQuery("s.id = ?"), [.text(id)])).first else {
            throw FawangError.notFound("没有编号为 \(id) 的预约时段")
        }
        let slot = proto(row)
        guard slot.day >= CivilDate(context.now()).description else {
            throw FawangError.failedPrecondition("该时段（\(slot.day)）已过，请选择其他时段")
        }
        if let line = context.modules.module(forMatterType: slot.service)?.module.manifest.id {
            try context.modules.requireEnabled(line, in: slot.regionCode)
        }
        return slot
    }

    private func officeAndService(_ officeID: String, _ service: String) async throws -> (Organization, (module: ModuleRegistry.Module, type: MatterTypeSpec)) {
        guard let office = try await context.directory.organization(id: officeID) else {
            throw FawangError.invalidArgument(field: "office_id", "平台机构名录中没有编号为 \(officeID) 的机构")
        }
        guard let found = context.modules.module(forMatterType: service) else {
            throw FawangError.invalidArgument(field: "service", "没有事项类型 \(service)；可选：\(context.modules.modules.flatMap(\.manifest.matterTypes).map(\.id).joined(separator: "、"))")
        }
        try context.modules.requireEnabled(found.module.manifest.id, in: office.regionCode)
        return (office, found)
    }

    /// Staff over the office's division, of the service's line or of this module (a hall's appointments desk).
    @discardableResult
    private func requireStaff(for office: Organization, service line: String) throws(FawangError) -> Principal {
        guard let principal = Principal.current,
            principal.mayHandle(businessLine: line, regionCode: office.regionCode)
                || principal.mayHandle(businessLine: AppointmentsPlugin.moduleID, regionCode: office.regionCode)
        else {
            throw FawangError(.permissionDenied, "\(office.name)的预约不在本账号的办理范围内（地区或业务条线）")
        }
        return principal
    }

    /// The confirmation now and the reminder the evening before (or now, if that has passed),
    /// written only if booking `number` was written by this call (`token`).
    private func notices(for number: String, token: String, phone: String, slot: Fawang_Appointment_V1_Slot) -> [SQLStatement] {
        let visit = "\(slot.day) \(slot.period)到\(slot.officeName)办理\(slot.serviceName)"
        let eve = (CivilDate(strictISO: slot.day) ?? CivilDate(context.now())).adding(days: -1).endInstant.addingTimeInterval(-6 * 3600)
        return [
            notice(number, kind: "confirmation", token: token, phone: phone, due: context.now(),
                   text: "【12348宁夏法网】您已预约\(visit)，预约号\(number)。取消或改约请凭预约号和手机号后四位办理。"),
            notice(number, kind: "reminder", token: token, phone: phone, due: max(eve, context.now()),
                   text: "【12348宁夏法网】提醒：您预约了\(visit)，预约号\(number)，请携带身份证件按时到场。"),
        ]
    }

    private func notice(_ number: String, kind: String, token: String, phone: String, due: Date, text: String) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO appointments_outbox (id, booking_number, kind, recipient, text, due_at)
            SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM appointments_bookings WHERE number = ? AND last_write = ?)
            """,
            [.text(UUID().uuidString), .text(number), .text(kind), .text(phone), .text(text), .text(Self.timestamp(due)), .text(number), .text(token)])
    }

    /// Reminders of a booking that no longer needs one.
    private static func dropReminders(_ number: String) -> SQLStatement {
        SQLStatement("UPDATE appointments_outbox SET sent_at = 'superseded' WHERE booking_number = ? AND kind = 'reminder' AND sent_at = ''", [.text(number)])
    }

    private func audit(_ handling: Handling, _ target: String, _ detail: String) -> AuditDraft {
        AuditDraft(
            actor: handling.actor, role: Principal.current?.role.rawValue ?? "anonymous", channel: handling.channel.rawValue, target: target,
            detail: detail)
    }

    /// UTC, `2026-12-08T01:00:00Z`: compares as text in time order.
    static func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }
}

/// Delivers the module's due messages through the sender, oldest first; a failed one stays due.
struct Outbox: Sendable {
    let context: PluginContext
    let sender: any NotificationSender

    @discardableResult
    func deliverDue() async throws -> Int {
        let now = AppointmentService.timestamp(context.now())
        let due = try await context.storage.query(SQLStatement(
            "SELECT * FROM appointments_outbox WHERE sent_at = '' AND due_at <= ? ORDER BY due_at LIMIT 100", [.text(now)]))
        var sent = 0
        for row in due {
            let id = row.string("id") ?? ""
            do {
                try await sender.send(OutboundMessage(id: id, recipient: row.string("recipient") ?? "", text: row.string("text") ?? ""))
                try await context.storage.execute([SQLStatement(
                    "UPDATE appointments_outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ? AND sent_at = ''", [.text(now), .text(id)])])
                sent += 1
            } catch {
                try await context.storage.execute([SQLStatement("UPDATE appointments_outbox SET attempts = attempts + 1 WHERE id = ?", [.text(id)])])
                context.logger.warning("appointments: a message was not delivered; it stays due", metadata: ["id": "\(id)", "error": "\(error)"])
            }
        }
        return sent
    }
}
