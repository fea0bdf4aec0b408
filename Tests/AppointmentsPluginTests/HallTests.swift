@testable import AppointmentsPlugin
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import LegalAidPlugin
import MediationPlugin
import SwiftProtobuf
import Synchronization
import Testing

/// A hall day at Xingqing's centre over a real host: tickets, windows, a checked-in appointment
/// served first, recall, skip, transfer, finish, two windows calling at once, and the display's
/// pushed states.
@Suite struct HallTests {
    typealias Hall = Fawang_Appointment_V1_HallService.Client<InProcessTransport.Client>
    typealias Appointments = Fawang_Appointment_V1_AppointmentService.Client<InProcessTransport.Client>
    static let office = "plsc-640104"
    static let aid = "legal-aid.application", mediation = "mediation.dispute"
    static let desk = LegalAidSamples.staff("staff-640104-appointments")

    static func ticket(_ hall: Hall, _ service: String, booking: String = "") async throws -> Fawang_Appointment_V1_Ticket {
        try await hall.takeTicket(.with {
            $0.officeID = office
            $0.service = service
            $0.bookingNumber = booking
            $0.phoneLast4 = booking.isEmpty ? "" : "1234"
            $0.context.channel = .walkIn
        })
    }

    static func call(_ hall: Hall, _ window: String) async throws -> Fawang_Appointment_V1_Ticket {
        try await hall.callNext(.with {
            $0.officeID = office
            $0.window = window
            $0.context = desk
        })
    }

    /// A slot of today (2026-12-07) for legal aid at Xingqing's centre, opened by the desk.
    static func todaysSlot(_ client: GRPCClient<InProcessTransport.Client>) async throws -> Fawang_Appointment_V1_Slot {
        try #require(try await Appointments(wrapping: client).publishSlots(.with {
            $0.officeID = Self.office
            $0.service = Self.aid
            $0.fromDay = "2026-12-07"
            $0.toDay = "2026-12-07"
            $0.periods = ["08:00-08:30"]
            $0.capacity = 5
            $0.context = Self.desk
        }).opened.first)
    }

    @Test("大厅一天：取号、预约优先、叫号、重呼、过号、转移、办结，叫号屏推送")
    func aHallDay() async throws {
        let clock = TestClock(at: beijing(2026, 12, 7, hour: 8))
        let unlimited = TestPlatform.unlimitedRates
        try await TestPlatform.with(extraConfig: unlimited, plugins: [AppointmentsPlugin(), LegalAidPlugin(), MediationPlugin()], clock: clock) { platform in
            // The display: every state pushed, kept here.
            let states = Mutex<[Fawang_Appointment_V1_HallState]>([])
            let (opened, signal) = AsyncStream<Void>.makeStream()
            let display = Task {
                try await platform.withInProcessClient { client in
                    try await Hall(wrapping: client).watchHall(.with { $0.officeID = Self.office }) { response in
                        for try await state in response.messages {
                            states.withLock { $0.append(state) }
                            signal.yield()
                        }
                    }
                }
            }
            var first = opened.makeAsyncIterator()
            _ = await first.next()

            let booking = try await platform.withInProcessClient(as: "appointments-640104") { client in
                let hall = Hall(wrapping: client)
                _ = try await hall.setWindow(.with { $0.officeID = Self.office; $0.window = "1号窗口"; $0.services = [Self.aid]; $0.context = Self.desk })
                _ = try await hall.setWindow(.with { $0.officeID = Self.office; $0.window = "2号窗口"; $0.services = [Self.aid, Self.mediation]; $0.context = Self.desk })
                await expectStatus(.invalidArgument, field: "services[0]") {
                    _ = try await hall.setWindow(.with { $0.officeID = Self.office; $0.window = "3号窗口"; $0.services = ["tax.return"]; $0.context = Self.desk })
                }
                let slot = try await Self.todaysSlot(client)
                return try await Appointments(wrapping: client).book(.with {
                    $0.requestID = UUID().uuidString
                    $0.slotID = slot.id
                    $0.name = "马小花"
                    $0.phone = "13951001234"
                    $0.context.channel = .web
                }).booking.number
            }

            // The kiosk: three walk-ins, then the appointment, checked in and served first.
            let (a1, a2, a3, y4) = try await platform.withInProcessClient { client in
                let hall = Hall(wrapping: client)
                let a1 = try await Self.ticket(hall, Self.aid), a2 = try await Self.ticket(hall, Self.mediation), a3 = try await Self.ticket(hall, Self.aid)
                await expectStatus(.notFound) {
                    _ = try await hall.takeTicket(.with { $0.officeID = Self.office; $0.service = Self.aid; $0.bookingNumber = booking; $0.phoneLast4 = "9999"; $0.context.channel = .walkIn })
                }
                let y4 = try await Self.ticket(hall, Self.aid, booking: booking)
                // One priority ticket per booking.
                await expectStatus(.failedPrecondition, containing: ["Y004"]) { _ = try await Self.ticket(hall, Self.aid, booking: booking) }
                return (a1, a2, a3, y4)
            }
            #expect([a1.number, a2.number, a3.number, y4.number] == ["A001", "A002", "A003", "Y004"])
            #expect(a3.ahead == 1 && y4.priority && y4.ahead == 0)
            let checkedIn = try await platform.withInProcessClient { client in
                try await Appointments(wrapping: client).getBooking(.with { $0.number = booking; $0.phoneLast4 = "1234" })
            }
            #expect(checkedIn.status == .checkedIn)

            try await platform.withInProcessClient(as: "lawyers-640104") { client in
                await expectStatus(.permissionDenied) { _ = try await Self.call(Hall(wrapping: client), "1号窗口") }
            }
            try await platform.withInProcessClient(as: "appointments-640104") { client in
                let hall = Hall(wrapping: client)
                // The clock runs on from here: called at 8:00, done at 9:00.
                clock.set(beijing(2026, 12, 7, hour: 8))
                let called = try await Self.call(hall, "1号窗口")
                #expect(called.number == "Y004" && called.announcement == "请Y004号到1号窗口办理")
                #expect(try await Self.call(hall, "1号窗口").number == "A001")
                #expect(try await Self.call(hall, "2号窗口").number == "A002")
                #expect(try await hall.recall(.with { $0.ticketID = a1.id; $0.context = Self.desk }).calls == 2)
                #expect(try await hall.skip(.with { $0.ticketID = a1.id; $0.context = Self.desk }).status == "skipped")
                await expectStatus(.failedPrecondition) { _ = try await hall.finish(.with { $0.ticketID = a1.id; $0.context = Self.desk }) }
                clock.set(beijing(2026, 12, 7, hour: 9))
                #expect(try await hall.finish(.with { $0.ticketID = y4.id; $0.context = Self.desk }).status == "done")
                // Mediation turns out to be legal aid: back in that queue, ahead of A003 by the time it was taken.
                let moved = try await hall.transfer(.with { $0.ticketID = a2.id; $0.service = Self.aid; $0.context = Self.desk })
                #expect(moved.status == "waiting" && moved.ahead == 0)
                #expect(try await Self.call(hall, "1号窗口").number == "A002")
                #expect(try await Self.call(hall, "1号窗口").number == "A003")
                await expectStatus(.failedPrecondition) { _ = try await Self.call(hall, "1号窗口") }

                let state = try await hall.getHall(.with { $0.officeID = Self.office })
                let queue = try #require(state.queues.first { $0.service == Self.aid })
                #expect(queue.waiting == 0 && queue.served == 1 && abs(queue.averageServiceMinutes - 60) < 2, "called at about 8:00, done at 9:00: \(queue.averageServiceMinutes)")
                #expect(Array(state.calling.map(\.number).prefix(2)) == ["A003", "A002"] && state.calling.count == 4)
            }
            try await eventually("the display was pushed the last call") {
                states.withLock { $0.last?.calling.first?.announcement } == "请A003号到1号窗口办理"
            }
            #expect(states.withLock { $0.count } > 8)
            display.cancel()
        }
    }

    @Test("窗口办理记入事项：随申请预约、到场优先取号、窗口办结，事项的办理记录一条时间线；叫号屏不显示受理编号")
    func aVisitIsOnTheMattersTimeline() async throws {
        let clock = TestClock(at: beijing(2026, 12, 7, hour: 8))
        try await TestPlatform.with(
            extraConfig: TestPlatform.unlimitedRates, plugins: [AppointmentsPlugin(), LegalAidPlugin()], clock: clock
        ) { platform in
            // Booked from the web with the application: the matter and the booking together.
            let (tracking, booking) = try await platform.withInProcessClient(as: "appointments-640104") { client in
                let hall = Hall(wrapping: client)
                _ = try await hall.setWindow(.with { $0.officeID = Self.office; $0.window = "1号窗口"; $0.services = [Self.aid]; $0.context = Self.desk })
                let slot = try await Self.todaysSlot(client)
                let booked = try await platform.withInProcessClient { citizen in
                    try await Appointments(wrapping: citizen).book(.with {
                        $0.requestID = UUID().uuidString
                        $0.slotID = slot.id
                        $0.application = try Google_Protobuf_Any(message: LegalAidSamples.application())
                    }).booking
                }
                return (booked.trackingNumber, booked.number)
            }
            let other = try await platform.withInProcessClient { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application(phone: "13951002222"))
            }.matter.trackingNumber.filter(\.isNumber)
            let ticket = try await platform.withInProcessClient { client in try await Self.ticket(Hall(wrapping: client), Self.aid, booking: booking) }
            #expect(ticket.priority && ticket.trackingNumber == tracking, "the checked-in booking's matter comes with the ticket")
            try await platform.withInProcessClient(as: "appointments-640104") { client in
                let hall = Hall(wrapping: client)
                let called = try await Self.call(hall, "1号窗口")
                #expect(called.id == ticket.id && !called.operatorID.isEmpty, "the window's operator: \(called.operatorID)")
                // The public display names neither the booking nor the matter nor the operator.
                let shown = try #require(try await hall.getHall(.with { $0.officeID = Self.office }).calling.first)
                #expect(shown.number == ticket.number && shown.trackingNumber.isEmpty && shown.bookingNumber.isEmpty && shown.operatorID.isEmpty)
                // Another legal aid matter is not the appointments desk's to record on: refused,
                // and the ticket stays called (one transaction).
                await expectStatus(.permissionDenied) {
                    _ = try await hall.finish(.with { $0.ticketID = ticket.id; $0.trackingNumber = other; $0.context = Self.desk })
                }
                let done = try await hall.finish(.with { $0.ticketID = ticket.id; $0.context = Self.desk })
                #expect(done.status == "done" && done.trackingNumber == tracking)
                await expectStatus(.failedPrecondition) { _ = try await hall.finish(.with { $0.ticketID = ticket.id; $0.context = Self.desk }) }
            }
            // One record, one timeline: applied and booked on the web, served at the window.
            let report = try await platform.withInProcessClient { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                    $0.trackingNumber = tracking
                    $0.phoneLast4 = "1234"
                })
            }
            #expect(report.timeline.map(\.kind) == ["submitted", "appointment_booked", "served_at_window"])
            let visit = try #require(report.timeline.last)
            #expect(visit.label == "窗口办理" && visit.note.contains("1号窗口") && visit.note.contains(ticket.number), "\(visit.note)")
            // A legal aid window clerk records a walk-in's own matter at Finish.
            try await platform.withInProcessClient(as: "appointments-640104") { client in
                _ = try await Self.ticket(Hall(wrapping: client), Self.aid)
            }
            try await platform.withInProcessClient(as: "staff-640100-window") { client in
                let hall = Hall(wrapping: client)
                let walkIn = try await Self.call(hall, "1号窗口")
                #expect(try await hall.finish(.with { $0.ticketID = walkIn.id; $0.trackingNumber = other; $0.context = Self.desk }).trackingNumber == other)
            }
            let served = try await platform.withInProcessClient(as: "staff-640100-window") { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = other })
            }
            #expect(served.timeline.last?.kind == "served_at_window" && served.timeline.last?.channel == .walkIn)
        }
    }

    @Test("两个窗口同时叫号，不会叫到同一个号")
    func twoWindowsNeverCallTheSameTicket() async throws {
        let unlimited = TestPlatform.unlimitedRates
        try await TestPlatform.with(extraConfig: unlimited, plugins: [AppointmentsPlugin(), LegalAidPlugin()]) { platform in
            try await platform.withInProcessClient(as: "appointments-640104") { client in
                let hall = Hall(wrapping: client)
                for window in ["1号窗口", "2号窗口"] {
                    _ = try await hall.setWindow(.with { $0.officeID = Self.office; $0.window = window; $0.services = [Self.aid]; $0.context = Self.desk })
                }
                for _ in 0..<20 { _ = try await Self.ticket(hall, Self.aid) }
                let called = try await withThrowingTaskGroup(of: String.self) { group in
                    for index in 0..<20 {
                        group.addTask { try await Self.call(hall, index % 2 == 0 ? "1号窗口" : "2号窗口").id }
                    }
                    var ids: [String] = []
                    for try await id in group { ids.append(id) }
                    return ids
                }
                #expect(called.count == 20 && Set(called).count == 20)
            }
        }
    }
}
