import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import SwiftProtobuf

/// 网上预约 (`/appointments`): the open slots by division and service, a booking form, and the
/// booker's own booking (number + the phone's last four digits) to cancel or move, over
/// `AppointmentService`. Every write is a POST with the CSRF token; the phone digits never go
/// into a URL.
extension Portal {
    typealias Appointments = Fawang_Appointment_V1_AppointmentService.Method

    func addAppointmentPages(to router: Router<GatewayRequestContext>) {
        router.get("/appointments") { request, context in try await appointmentsPage(request, context) }
        router.get("/appointments/book") { request, context in try await bookingForm(request, context, values: [:], errors: [:], status: .ok) }
        router.post("/appointments/book") { request, context in try await book(request, context) }
        router.get("/appointments/mine") { request, context in myBookingPage(request, values: [:], booking: nil, alternatives: [], message: nil) }
        router.post("/appointments/mine") { request, context in try await myBooking(request, context, notice: nil) }
        router.post("/appointments/cancel") { request, context in try await changeBooking(request, context, cancel: true) }
        router.post("/appointments/reschedule") { request, context in try await changeBooking(request, context, cancel: false) }
    }

    /// The open slots of the next two weeks in a division, by service.
    func appointmentsPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let region = Self.query(request, "region"), service = Self.query(request, "service")
        do {
            async let map = call(
                Fawang_Directory_V1_DirectoryService.Method.GetMap.descriptor, Fawang_Directory_V1_GetMapRequest(), Self.metadata(context),
                as: Fawang_Directory_V1_GetMapResponse.self)
            let all = try await call(
                Appointments.ListSlots.descriptor,
                Fawang_Appointment_V1_ListSlotsRequest.with {
                    $0.regionCode = region
                    $0.availableOnly = true
                },
                Self.metadata(context), as: Fawang_Appointment_V1_ListSlotsResponse.self)
            let services = Dictionary(all.slots.map { ($0.service, $0.serviceName) }) { first, _ in first }
            let shown = all.slots.filter { service.isEmpty || $0.service == service }
            return page("appointments", title: "网上预约", [
                "regions": try await map.divisions.map {
                    ["code": $0.code, "name": $0.name, "selected": $0.code == region, "indent": $0.code.hasSuffix("00") ? "" : "　"]
                },
                "services": services.sorted { $0.key < $1.key }.map { ["id": $0.key, "name": $0.value, "selected": $0.key == service] },
                "total": shown.count,
                "slots": shown.prefix(300).map { slot -> [String: Any] in
                    [
                        "office": slot.officeName, "service": slot.serviceName, "day": slot.day, "weekday": Self.weekday(slot.day),
                        "period": slot.period, "remaining": slot.remaining, "href": "/appointments/book?slot=" + Self.percentEncoded(slot.id),
                    ]
                },
            ])
        } catch let error as RPCError {
            return errorPage("网上预约", error)
        }
    }

    /// The form for one slot; `values` and `errors` when a submission is shown again.
    func bookingForm(
        _ request: Request, _ context: GatewayRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status
    ) async throws -> Response {
        let id = values["slot_id"] ?? Self.query(request, "slot")
        do {
            let found = try await call(
                Appointments.ListSlots.descriptor, Fawang_Appointment_V1_ListSlotsRequest.with { $0.slotID = id }, Self.metadata(context),
                as: Fawang_Appointment_V1_ListSlotsResponse.self)
            guard let slot = found.slots.first else {
                return messagePage("没有该预约时段", "该时段不存在或已撤销，请返回重新选择。", status: .notFound)
            }
            let csrf = Self.csrfToken(request)
            let applyForms = forms.filter { $0.module == serviceLines[slot.service] && $0.isComplete }.map {
                ["title": $0.title, "href": "/apply/\($0.module)/\($0.verb)?slot=" + Self.percentEncoded(slot.id)]
            }
            var response = page("appointment-book", title: "预约", [
                "applyForms": applyForms, "hasApplyForms": !applyForms.isEmpty,
                "slot": Self.slotObject(slot), "csrf": csrf, "requestID": values["request_id"] ?? UUID().uuidString,
                "name": values["name"] ?? "", "phone": values["phone"] ?? "", "tracking": values["tracking_number"] ?? "",
                "errors": errors.sorted { $0.key < $1.key }.map { ["field": $0.key, "text": $0.value] }, "hasErrors": !errors.isEmpty,
            ], status: status)
            setCSRFCookie(&response, csrf)
            return response
        } catch let error as RPCError {
            return errorPage("预约", error)
        }
    }

    func book(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        do {
            let booked = try await call(
                Appointments.Book.descriptor,
                Fawang_Appointment_V1_BookRequest.with {
                    $0.requestID = values["request_id"] ?? UUID().uuidString
                    $0.slotID = values["slot_id"] ?? ""
                    $0.name = values["name"] ?? ""
                    $0.phone = values["phone"] ?? ""
                    $0.trackingNumber = values["tracking_number"] ?? ""
                    $0.context.channel = .web
                },
                Self.metadata(context), as: Fawang_Appointment_V1_BookResponse.self)
            let phone = values["phone"] ?? ""
            return try await myBooking(
                request, context, values: ["number": booked.booking.number, "phone_last4": String(phone.filter(\.isNumber).suffix(4))],
                notice: "预约成功，请记下预约号 \(booked.booking.number)；确认短信已发送。")
        } catch let error as RPCError {
            let fields = Self.fieldViolations(error)
            return try await bookingForm(
                request, context, values: values, errors: fields.isEmpty ? ["": error.message] : fields, status: Self.status(error))
        }
    }

    /// The booker's booking, with the other open slots of its office and service to move to.
    func myBooking(_ request: Request, _ context: GatewayRequestContext, notice: String?) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        return try await myBooking(request, context, values: values, notice: notice)
    }

    func myBooking(_ request: Request, _ context: GatewayRequestContext, values: [String: String], notice: String?) async throws -> Response {
        do {
            let booking = try await call(
                Appointments.GetBooking.descriptor,
                Fawang_Appointment_V1_GetBookingRequest.with {
                    $0.number = values["number"] ?? ""
                    $0.phoneLast4 = values["phone_last4"] ?? ""
                },
                Self.metadata(context), as: Fawang_Appointment_V1_Booking.self)
            var alternatives: [Fawang_Appointment_V1_Slot] = []
            if booking.status == .booked {
                alternatives = try await call(
                    Appointments.ListSlots.descriptor,
                    Fawang_Appointment_V1_ListSlotsRequest.with {
                        $0.officeID = booking.slot.officeID
                        $0.service = booking.slot.service
                        $0.availableOnly = true
                    },
                    Self.metadata(context), as: Fawang_Appointment_V1_ListSlotsResponse.self
                ).slots.filter { $0.id != booking.slot.id }
            }
            return myBookingPage(request, values: values, booking: booking, alternatives: alternatives, message: notice)
        } catch let error as RPCError {
            return myBookingPage(request, values: values, booking: nil, alternatives: [], message: Self.problem(error), status: Self.status(error))
        }
    }

    func changeBooking(_ request: Request, _ context: GatewayRequestContext, cancel: Bool) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        let (number, last4) = (values["number"] ?? "", values["phone_last4"] ?? "")
        do {
            let changed: Fawang_Appointment_V1_Booking
            if cancel {
                changed = try await call(
                    Appointments.CancelBooking.descriptor,
                    Fawang_Appointment_V1_CancelBookingRequest.with {
                        $0.number = number
                        $0.phoneLast4 = last4
                        $0.context.channel = .web
                    },
                    Self.metadata(context), as: Fawang_Appointment_V1_Booking.self)
            } else {
                changed = try await call(
                    Appointments.Reschedule.descriptor,
                    Fawang_Appointment_V1_RescheduleRequest.with {
                        $0.number = number
                        $0.phoneLast4 = last4
                        $0.slotID = values["slot_id"] ?? ""
                        $0.context.channel = .web
                    },
                    Self.metadata(context), as: Fawang_Appointment_V1_Booking.self)
            }
            var shown = values
            shown["number"] = changed.number
            return try await myBooking(
                request, context, values: shown, notice: cancel ? "预约已取消" : "已改约，新的预约号为 \(changed.number)")
        } catch let error as RPCError {
            return try await myBooking(request, context, values: values, notice: Self.problem(error))
        }
    }

    func myBookingPage(
        _ request: Request, values: [String: String], booking: Fawang_Appointment_V1_Booking?, alternatives: [Fawang_Appointment_V1_Slot],
        message: String?, status: HTTPResponse.Status = .ok
    ) -> Response {
        let csrf = Self.csrfToken(request)
        var object: [String: Any] = [
            "csrf": csrf, "number": values["number"] ?? "", "phoneLast4": values["phone_last4"] ?? "",
            "message": message ?? "", "hasMessage": message != nil,
        ]
        if let booking {
            object["booking"] = [
                "number": booking.number, "status": booking.statusLabel, "open": booking.status == .booked, "name": booking.nameMasked,
                "slot": Self.slotObject(booking.slot), "hasTracking": !booking.trackingNumber.isEmpty, "tracking": booking.trackingNumber,
                "alternatives": alternatives.prefix(100).map { ["id": $0.id, "label": "\($0.day)（\(Self.weekday($0.day))）\($0.period)，余\($0.remaining)个"] },
                "hasAlternatives": !alternatives.isEmpty,
            ] as [String: Any]
        }
        var response = page("appointment-mine", title: "我的预约", object, status: status)
        setCSRFCookie(&response, csrf)
        return response
    }

    /// The slot an application is filed with (`?slot=` / `_slot`), if it names one that exists.
    func visitSlot(_ id: String, _ context: GatewayRequestContext) async throws -> Fawang_Appointment_V1_Slot? {
        guard !id.isEmpty else { return nil }
        return try await call(
            Appointments.ListSlots.descriptor, Fawang_Appointment_V1_ListSlotsRequest.with { $0.slotID = id }, Self.metadata(context),
            as: Fawang_Appointment_V1_ListSlotsResponse.self
        ).slots.first
    }

    /// Files a form's application with a booking of `slot` in one step (AppointmentService/Book
    /// with the application packed): the booking, which carries the new matter's tracking number.
    func bookWithApplication(
        _ form: RequestForm, _ json: [String: Any], slot: Fawang_Appointment_V1_Slot, requestID: String, metadata: Metadata
    ) async throws -> Fawang_Appointment_V1_Booking {
        guard let entry = methods[form.method] else { throw RPCError(code: .unimplemented, message: "该服务暂未开放网上办理") }
        let body = try ProtoJSON.decode(entry.input, json: Array(try JSONSerialization.data(withJSONObject: json)))
        return try await call(
            Appointments.Book.descriptor,
            Fawang_Appointment_V1_BookRequest.with {
                $0.requestID = requestID
                $0.slotID = slot.id
                $0.application.typeURL = "type.googleapis.com/" + entry.input.protoMessageName
                $0.application.value = Data(body)
                $0.context.channel = .web
            },
            metadata, as: Fawang_Appointment_V1_BookResponse.self
        ).booking
    }

    static func slotObject(_ slot: Fawang_Appointment_V1_Slot) -> [String: Any] {
        [
            "office": slot.officeName, "service": slot.serviceName, "day": slot.day, "weekday": weekday(slot.day), "period": slot.period,
            "remaining": slot.remaining, "id": slot.id,
        ]
    }

    /// 星期一 … 星期日 for `YYYY-MM-DD`.
    static func weekday(_ day: String) -> String {
        guard let date = CivilDate(strictISO: day) else { return "" }
        let names = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
        // 1970-01-01 was a Thursday (index 3).
        return names[((date.dayNumber % 7) + 7 + 3) % 7]
    }
}
