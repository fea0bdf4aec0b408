@testable import AppointmentsPlugin
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import LegalAidPlugin
import MediationPlugin
import SwiftProtobuf
import Synchronization
import Testing

/// Appointments over a real host with a real SQLite file: exact capacity under concurrent
/// bookings over loopback HTTP/2, the working-day calendar, rescheduling and cancelling with the
/// phone digits, check-in and no-shows, and the messages through the outbox.
@Suite struct AppointmentsTests {
    typealias Appointments = Fawang_Appointment_V1_AppointmentService.Client<InProcessTransport.Client>
    static let unlimited = TestPlatform.unlimitedRates
    static let office = "plsc-640104"
    static let service = "legal-aid.application"
    /// Periods other than the demo's (09:00-12:00, 14:30-17:30), which the demo opens already.
    static let periods = ["08:30-11:30", "14:00-17:00"]

    /// Records what would have been sent.
    final class Recorder: NotificationSender {
        let messages = Mutex<[OutboundMessage]>([])
        func send(_ message: OutboundMessage) async throws { messages.withLock { $0.append(message) } }
        var texts: [String] { messages.withLock { $0.map(\.text) } }
    }

    static func publish(
        _ platform: TestPlatform, from: String, to: String, periods: [String] = ["08:30-11:30"], capacity: Int32 = 10
    ) async throws -> Fawang_Appointment_V1_PublishSlotsResponse {
        try await platform.withInProcessClient(as: "appointments-640104") { client in
            try await Appointments(wrapping: client).publishSlots(.with {
                $0.officeID = office
                $0.service = service
                $0.fromDay = from
                $0.toDay = to
                $0.periods = periods
                $0.capacity = capacity
                $0.context = LegalAidSamples.staff("staff-640104-appointments")
            })
        }
    }

    static func book(_ slot: String, phone: String = "13951001234", tracking: String = "") -> Fawang_Appointment_V1_BookRequest {
        .with {
            $0.requestID = UUID().uuidString
            $0.slotID = slot
            $0.name = "马小花"
            $0.phone = phone
            $0.trackingNumber = tracking
            $0.context.channel = .web
        }
    }

    /// `count` callers at once over real loopback HTTP/2, each on a connection of their own: each
    /// one's status (nil for OK).
    static func atOnce(
        _ count: Int, _ platform: TestPlatform, _ call: @escaping @Sendable (GRPCClient<HTTP2ClientTransport.Posix>, Int) async throws -> Void
    ) async throws -> [RPCError.Code?] {
        try await withThrowingTaskGroup(of: RPCError.Code?.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await platform.withClient { client in
                        do {
                            try await call(client, index)
                            return nil
                        } catch let error as RPCError {
                            return error.code
                        }
                    }
                }
            }
            var outcomes: [RPCError.Code?] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
    }

    @Test("50 concurrent bookings for 10 places book exactly 10")
    func exactlyTheCapacityIsBooked() async throws {
        let clock = TestClock(at: beijing(2026, 12, 7))
        try await TestPlatform.with(extraConfig: Self.unlimited, plugins: [AppointmentsPlugin(), LegalAidPlugin()], clock: clock) { platform in
            let slot = try #require(try await Self.publish(platform, from: "2026-12-08", to: "2026-12-08").opened.first)
            #expect(slot.capacity == 10 && slot.remaining == 10 && slot.serviceName == "法律援助申请")
            // Fifty people over real loopback HTTP/2 at once, each on a connection of their own.
            let outcomes = try await Self.atOnce(50, platform) { client, index in
                _ = try await Fawang_Appointment_V1_AppointmentService.Client(wrapping: client)
                    .book(Self.book(slot.id, phone: "139510\(String(format: "%05d", index))"))
            }
            #expect(outcomes.filter { $0 == nil }.count == 10)
            #expect(outcomes.filter { $0 == .failedPrecondition }.count == 40, "\(outcomes)")
            let after = try await platform.withInProcessClient { client in
                try await Appointments(wrapping: client).listSlots(.with {
                    $0.officeID = Self.office
                    $0.fromDay = "2026-12-08"
                    $0.toDay = "2026-12-08"
                })
            }
            #expect(after.slots.first?.booked == 10 && after.slots.first?.remaining == 0)
        }
    }

    @Test("工作日历：节假日不开放预约，调休上班日开放；改约、取消、到场、失约；确认和提醒短信")
    func aBookingsLife() async throws {
        let clock = TestClock(at: beijing(2026, 9, 28))
        let recorder = Recorder()
        let plugins: [any DepartmentPlugin] = [AppointmentsPlugin(sender: recorder, interval: .milliseconds(100)), LegalAidPlugin(), MediationPlugin()]
        try await TestPlatform.with(extraConfig: Self.unlimited, plugins: plugins, clock: clock) { platform in
            // 国庆、中秋 2026: 10/1–10/7 off; Sunday 9/27 and Saturday 10/10 are make-up working days.
            let published = try await Self.publish(platform, from: "2026-09-30", to: "2026-10-10", periods: Self.periods, capacity: 2)
            #expect(Set(published.opened.map(\.day)) == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"])
            #expect(published.opened.count == 8)
            #expect(published.skippedDays.contains { $0.hasPrefix("2026-10-01 ") } && published.skippedDays.count == 7)
            // Publishing again opens nothing new.
            #expect(try await Self.publish(platform, from: "2026-09-30", to: "2026-10-10", periods: Self.periods, capacity: 2).opened.isEmpty)
            let slots = Dictionary(grouping: published.opened, by: \.day)
            let first = try #require(slots["2026-09-30"]?.first { $0.period == "08:30-11:30" })
            let later = try #require(slots["2026-10-08"]?.first { $0.period == "14:00-17:00" })

            try await platform.withInProcessClient { client in
                let appointments = Appointments(wrapping: client)
                await expectStatus(.invalidArgument, field: "phone") { _ = try await appointments.book(Self.book(first.id, phone: "123")) }
                await expectStatus(.invalidArgument, field: "tracking_number") {
                    _ = try await appointments.book(Self.book(first.id, tracking: "6406 1937 5530 6769"))
                }
                await expectStatus(.notFound) { _ = try await appointments.book(Self.book("sl-nowhere")) }
                let request = Self.book(first.id)
                let booked = try await appointments.book(request).booking
                #expect(booked.status == .booked && booked.nameMasked == "马**" && booked.slot.officeName == "兴庆区公共法律服务中心")
                #expect(try await appointments.book(request).replayed)
                await expectStatus(.notFound) { _ = try await appointments.getBooking(.with { $0.number = booked.number; $0.phoneLast4 = "9999" }) }

                // Moved to 10/8 afternoon by a call to 12348: the new place taken, the old one given
                // back, together. The channel is the hotline front end's, whatever the request says.
                let moved = try await platform.withInProcessClient(as: "hotline-frontend") { _ in
                    try await appointments.reschedule(.with {
                        $0.number = booked.number
                        $0.phoneLast4 = "1234"
                        $0.slotID = later.id
                        $0.context.channel = .web
                    })
                }
                #expect(moved.status == .booked && moved.slot.id == later.id && moved.channel == .hotline)
                #expect(booked.channel == .mobile, "an anonymous native gRPC client is the app")
                let old = try await appointments.getBooking(.with { $0.number = booked.number; $0.phoneLast4 = "1234" })
                #expect(old.status == .rescheduled && old.rescheduledTo == moved.number && old.slot.remaining == 2)
                await expectStatus(.failedPrecondition) {
                    _ = try await appointments.cancelBooking(.with { $0.number = booked.number; $0.phoneLast4 = "1234"; $0.context.channel = .web })
                }
                let cancelled = try await appointments.cancelBooking(.with { $0.number = moved.number; $0.phoneLast4 = "1234"; $0.context.channel = .web })
                #expect(cancelled.status == .cancelled && cancelled.slot.remaining == 2)
            }
            // Confirmations go out at once; the cancelled booking's reminder never does.
            try await eventually("the confirmations and the cancellation are delivered") {
                recorder.texts.filter { $0.contains("您已预约") }.count == 2 && recorder.texts.contains { $0.contains("已取消") }
            }
            #expect(!recorder.texts.contains { $0.contains("提醒") })

            // A booking kept and one not kept.
            let (kept, missed) = try await platform.withInProcessClient { client in
                let appointments = Appointments(wrapping: client)
                return (
                    try await appointments.book(Self.book(first.id)).booking.number,
                    try await appointments.book(Self.book(first.id, phone: "13700001111")).booking.number)
            }
            // The evening before: both reminders go.
            clock.set(beijing(2026, 9, 29, hour: 19))
            try await eventually("the reminders due the evening before are sent") {
                recorder.texts.filter { $0.contains("提醒") }.count == 2
            }
            try await platform.withInProcessClient(as: "appointments-640104") { client in
                let appointments = Appointments(wrapping: client)
                let checkIn = Fawang_Appointment_V1_CheckInRequest.with {
                    $0.number = kept
                    $0.context = LegalAidSamples.staff("staff-640104-appointments")
                }
                await expectStatus(.failedPrecondition, containing: ["2026-09-30"]) { _ = try await appointments.checkIn(checkIn) }
                clock.set(beijing(2026, 9, 30, hour: 9))
                let checkedIn = try await appointments.checkIn(checkIn)
                #expect(checkedIn.status == .checkedIn)
                await expectStatus(.failedPrecondition) { _ = try await appointments.checkIn(checkIn) }
            }
            clock.set(beijing(2026, 10, 8, hour: 9))
            try await eventually("a booking not kept is recorded as a no-show after its day") {
                let status = try await platform.withInProcessClient { client in
                    try await Appointments(wrapping: client).getBooking(.with { $0.number = missed; $0.phoneLast4 = "1111" }).status
                }
                return status == .noShow
            }
        }
    }

    @Test func staffOutsideTheOfficeOrLineMayNotPublish() async throws {
        try await TestPlatform.with(extraConfig: Self.unlimited, plugins: [AppointmentsPlugin(), LegalAidPlugin(), MediationPlugin()]) { platform in
            let tomorrow = CivilDate(Date()).adding(days: 1).description
            // Xingqing's staff for Xixia's centre; a mediation clerk for legal aid.
            for (login, office) in [("appointments-640104", "plsc-640105"), ("mediation-640104", Self.office)] {
                try await platform.withInProcessClient(as: login) { client in
                    await expectStatus(.permissionDenied) {
                        _ = try await Appointments(wrapping: client).publishSlots(.with {
                            $0.officeID = office
                            $0.service = Self.service
                            $0.fromDay = tomorrow
                            $0.toDay = tomorrow
                            $0.periods = ["09:00-12:00"]
                            $0.capacity = 5
                            $0.context = LegalAidSamples.staff()
                        })
                    }
                }
            }
            try await platform.withInProcessClient(as: "appointments-640104") { client in
                let appointments = Appointments(wrapping: client)
                var request = Fawang_Appointment_V1_PublishSlotsRequest.with {
                    $0.officeID = Self.office
                    $0.service = "tax.return"
                    $0.fromDay = "2020-01-01"
                    $0.toDay = tomorrow
                    $0.periods = ["12:00-09:00"]
                    $0.capacity = 0
                    $0.context = LegalAidSamples.staff()
                }
                let error = try await rpcError { try await appointments.publishSlots(request) }
                let fields = try #require(try error.unpackGoogleRPCStatus()).details.compactMap(\.badRequest).flatMap(\.violations).map(\.field)
                #expect(Set(fields) == ["from_day", "to_day", "periods[0]", "capacity"])
                request.fromDay = tomorrow
                request.periods = ["09:00-12:00"]
                request.capacity = 5
                await expectStatus(.invalidArgument, field: "service") { _ = try await appointments.publishSlots(request) }
            }
        }
    }
}
